package org.sightline.model;

import java.util.List;
import org.sightline.ops.Ops;

/** The element-wise mean of its inputs, as Keras's {@code Average}. */
public record Average(String name) implements MergeLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Average";

    /** A new, unnamed Average layer applied to {@code inputs}, as Keras's {@code layers.Average()(inputs)}. */
    public static SymbolicTensor of(SymbolicTensor... inputs) {
        return new Average(null).apply(inputs);
    }

    @Override
    public Average withName(String newName) {
        return new Average(newName);
    }

    /** Reads Keras's {@code Average} config: a name and nothing else. */
    public static Average fromKeras(KerasConfig config, Shape input) {
        return new Average(config.name());
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
        return "average";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return commonShape(inputs, 2, Integer.MAX_VALUE);
    }

    @Override
    public <T> T call(CallContext<T> context, List<T> inputs) {
        Ops<T> ops = context.ops();
        return ops.multiply(MergeLayer.fold(inputs, ops::add), ops.constant(1f / inputs.size()));
    }
}
