package org.sightline.model;

import java.util.List;
import org.sightline.ops.Ops;

/** The element-wise maximum of its inputs, as Keras's {@code Maximum}. */
public record Maximum(String name) implements MergeLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Maximum";

    /** A new, unnamed Maximum layer applied to {@code inputs}, as Keras's {@code layers.Maximum()(inputs)}. */
    public static SymbolicTensor of(SymbolicTensor... inputs) {
        return new Maximum(null).apply(inputs);
    }

    @Override
    public Maximum withName(String newName) {
        return new Maximum(newName);
    }

    /** Reads Keras's {@code Maximum} config: a name and nothing else. */
    public static Maximum fromKeras(KerasConfig config, Shape input) {
        return new Maximum(config.name());
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "maximum";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return commonShape(inputs, 2, Integer.MAX_VALUE);
    }

    @Override
    public <T> T call(CallContext<T> context, List<T> inputs) {
        Ops<T> ops = context.ops();
        return MergeLayer.fold(inputs, ops::maximum);
    }
}
