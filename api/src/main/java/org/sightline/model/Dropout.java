package org.sightline.model;

import org.sightline.ops.Ops;
import static com.google.common.base.Preconditions.checkArgument;

/**
 * Keras's {@code Dropout}: during training, zeroes each value with probability {@code rate} and
 * scales the rest by {@code 1 / (1 - rate)}; at inference it passes values through.
 */
public record Dropout(String name, double rate) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Dropout";

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

    /** Reads Keras's {@code Dropout} config; a {@code noise_shape} is refused. */
    public static Dropout fromKeras(KerasConfig config, Shape input) {
        double rate = config.number("rate", null);
        // Sightline seeds dropout from the fit seed; a layer seed changes no result's meaning.
        config.take("seed");
        return new Dropout(config.name(), rate);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("rate", rate).putNull("seed", "noise_shape");
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
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
