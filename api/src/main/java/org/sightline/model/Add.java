package org.sightline.model;

import java.util.List;
import org.sightline.ops.Ops;

/** The element-wise sum of its inputs, as Keras's {@code Add}: a residual connection. */
public record Add(String name) implements MergeLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Add";

    /** A new, unnamed Add layer applied to {@code inputs}, as Keras's {@code layers.Add()(inputs)}. */
    public static SymbolicTensor of(SymbolicTensor... inputs) {
        return new Add(null).apply(inputs);
    }

    @Override
    public Add withName(String newName) {
        return new Add(newName);
    }

    /** Reads Keras's {@code Add} config: a name and nothing else. */
    public static Add fromKeras(KerasConfig config, Shape input) {
        return new Add(config.name());
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
        return "add";
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        return commonShape(inputs, 2, Integer.MAX_VALUE);
    }

    @Override
    public <T> T call(CallContext<T> context, List<T> inputs) {
        Ops<T> ops = context.ops();
        return MergeLayer.fold(inputs, ops::add);
    }
}
