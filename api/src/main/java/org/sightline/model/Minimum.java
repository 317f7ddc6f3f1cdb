package org.sightline.model;

import java.util.List;
import org.sightline.ops.Ops;

/** The element-wise minimum of its inputs, as Keras's {@code Minimum}. */
public record Minimum(String name) implements MergeLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Minimum";

    /** A new, unnamed Minimum layer applied to {@code inputs}, as Keras's {@code layers.Minimum()(inputs)}. */
    public static SymbolicTensor of(SymbolicTensor... inputs) {
        return new Minimum(null).apply(inputs);
    }

    @Override
    public Minimum withName(String newName) {
        return new Minimum(newName);
    }

    /** Reads Keras's {@code Minimum} config: a name and nothing else. */
    public static Minimum fromKeras(KerasConfig config, Shape input) {
        return new Minimum(config.name());
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
        return "minimum";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return commonShape(inputs, 2, Integer.MAX_VALUE);
    }

    @Override
    public <T> T call(CallContext<T> context, List<T> inputs) {
        Ops<T> ops = context.ops();
        return MergeLayer.fold(inputs, ops::minimum);
    }
}
