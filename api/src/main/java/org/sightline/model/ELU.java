package org.sightline.model;

/**
 * Keras's {@code ELU} layer: {@code x} where {@code x > 0}, else {@code alpha * (exp(x) - 1)}.
 *
 * <p>Keras 3's {@code ELU.get_config} leaves {@code alpha} out (Keras 2's writes it), so a Keras 3 file
 * always reads as alpha 1, which is what Keras 3 itself would rebuild from it. Sightline writes
 * {@code alpha}, which Keras 3's constructor accepts, so that its own files keep the value.
 *
 * <pre>{@code
 * ELU.of(0.5)
 * }</pre>
 *
 * @param name  the layer's name, or null for Keras's automatic one
 * @param alpha the scale of the negative part
 */
public record ELU(String name, double alpha) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "ELU";

    public ELU {
        if (!Double.isFinite(alpha)) {
            throw new IllegalArgumentException("ELU.alpha must be a finite number, got " + alpha);
        }
    }

    public static ELU of(double alpha) {
        return new ELU(null, alpha);
    }

    @Override
    public ELU withName(String newName) {
        return new ELU(newName, alpha);
    }

    /** Reads Keras's config; {@code alpha} defaults to 1, as Keras's. */
    public static ELU fromKeras(KerasConfig config, Shape input) {
        double alpha = config.number("alpha", 1.0);
        return config.build(() -> new ELU(config.name(), alpha));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("alpha", alpha);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "elu";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return ActivationFunction.elu(context.ops(), input, alpha);
    }
}
