package org.sightline.model;

import java.util.List;
import org.sightline.ops.Ops;

/** The first input minus the second, as Keras's {@code Subtract}. */
public record Subtract(String name) implements MergeLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Subtract";

    /** A new, unnamed Subtract layer applied to {@code inputs}, as Keras's {@code layers.Subtract()(inputs)}. */
    public static SymbolicTensor of(SymbolicTensor... inputs) {
        return new Subtract(null).apply(inputs);
    }

    @Override
    public Subtract withName(String newName) {
        return new Subtract(newName);
    }

    /** Reads Keras's {@code Subtract} config: a name and nothing else. */
    public static Subtract fromKeras(KerasConfig config, Shape input) {
        return new Subtract(config.name());
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
        return "subtract";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return commonShape(inputs, 2, 2);
    }

    @Override
    public <T> T call(CallContext<T> context, List<T> inputs) {
        Ops<T> ops = context.ops();
        return ops.subtract(inputs.get(0), inputs.get(1));
    }
}
