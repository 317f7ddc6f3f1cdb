package org.sightline.model;

import org.sightline.ops.Ops;

/**
 * Keras's {@code LeakyReLU} layer: {@code x} where {@code x >= 0}, else {@code negativeSlope * x}.
 * Keras 3 calls the slope {@code negative_slope}, Keras 2 {@code alpha}; both default to 0.3 (the layer's
 * default, not the 0.2 of Keras 3's {@code leaky_relu} function).
 *
 * <pre>{@code
 * LeakyReLU.of(0.1)
 * }</pre>
 *
 * @param name          the layer's name, or null for Keras's automatic one
 * @param negativeSlope the slope below 0, >= 0 (Keras 3 refuses negative slopes)
 */
public record LeakyReLU(String name, double negativeSlope) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "LeakyReLU";
    /** Keras's default slope, in Keras 2 and Keras 3. */
    public static final double DEFAULT_NEGATIVE_SLOPE = 0.3;

    public LeakyReLU {
        if (!(negativeSlope >= 0 && Double.isFinite(negativeSlope))) {
            throw new IllegalArgumentException("LeakyReLU.negative_slope must be a finite number >= 0, got "
                    + negativeSlope);
        }
    }

    public static LeakyReLU of(double negativeSlope) {
        return new LeakyReLU(null, negativeSlope);
    }

    @Override
    public LeakyReLU withName(String newName) {
        return new LeakyReLU(newName, negativeSlope);
    }

    /** Reads Keras 3's {@code negative_slope} or Keras 2's {@code alpha}; as Keras 3, {@code alpha} wins. */
    public static LeakyReLU fromKeras(KerasConfig config, Shape input) {
        double slope = config.number("negative_slope", DEFAULT_NEGATIVE_SLOPE);
        double alpha = config.number("alpha", slope);
        return config.build(() -> new LeakyReLU(config.name(), alpha));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("negative_slope", negativeSlope);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "leaky_re_lu";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        return ActivationFunction.leakyRelu(ops, input, ops.constant((float) negativeSlope));
    }
}
