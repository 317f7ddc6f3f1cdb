package org.sightline.model;

import org.sightline.ops.Ops;
import static com.google.common.base.Preconditions.checkArgument;

/**
 * Keras's {@code Dropout}: during training, zeroes each value with probability {@code rate} and
 * scales the rest by {@code 1 / (1 - rate)}; at inference it passes values through.
 */
public record Dropout(String name, double rate) implements Layer {

    public Dropout {
        checkArgument(rate >= 0 && rate < 1, "Dropout.rate must be in [0, 1), got %s", rate);
    }

    public static Dropout of(double rate) {
        return new Dropout(null, rate);
    }

    @Override
    public Dropout withName(String newName) {
        return new Dropout(newName, rate);
    }

    @Override
    public String kerasClass() {
        return "Dropout";
    }

    @Override
    public String namePrefix() {
        return "dropout";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    /** As {@code tf.nn.dropout}: scale by {@code 1 / (1 - rate)}, keep where a uniform draw is >= rate. */
    @Override
    public <T> T call(CallContext<T> context, T input) {
        if (!context.training() || rate == 0) {
            return input;
        }
        Ops<T> ops = context.ops();
        // Stream 0 is never used, so that even seed 0 gives every layer its own stream.
        T keep = ops.greaterEqual(ops.randomUniform(input, context.layerIndex() + 1), ops.constant((float) rate));
        return ops.multiply(ops.multiply(input, ops.constant((float) (1 / (1 - rate)))), keep);
    }
}
