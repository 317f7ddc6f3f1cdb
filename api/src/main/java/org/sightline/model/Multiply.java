package org.sightline.model;

import java.util.List;
import org.sightline.ops.Ops;

/** The element-wise product of its inputs, as Keras's {@code Multiply}. */
public record Multiply(String name) implements MergeLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Multiply";

    /** A new, unnamed Multiply layer applied to {@code inputs}, as Keras's {@code layers.Multiply()(inputs)}. */
    public static SymbolicTensor of(SymbolicTensor... inputs) {
        return new Multiply(null).apply(inputs);
    }

    @Override
    public Multiply withName(String newName) {
        return new Multiply(newName);
    }

    /** Reads Keras's {@code Multiply} config: a name and nothing else. */
    public static Multiply fromKeras(KerasConfig config, Shape input) {
        return new Multiply(config.name());
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
        return "multiply";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return commonShape(inputs, 2, Integer.MAX_VALUE);
    }

    @Override
    public <T> T call(CallContext<T> context, List<T> inputs) {
        Ops<T> ops = context.ops();
        return MergeLayer.fold(inputs, ops::multiply);
    }
}
