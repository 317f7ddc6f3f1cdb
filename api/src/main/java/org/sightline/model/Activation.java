package org.sightline.model;

import java.util.Objects;

/** Applies an activation function, as Keras's {@code Activation} layer. */
public record Activation(String name, ActivationFunction function) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Activation";

    public Activation {
        Objects.requireNonNull(function, "Activation.activation");
    }

    public static Activation of(ActivationFunction function) {
        return new Activation(null, function);
    }

    @Override
    public Activation withName(String newName) {
        return new Activation(newName, function);
    }

    /** Reads Keras's {@code Activation} config; its activation is required. */
    public static Activation fromKeras(KerasConfig config, Shape input) {
        return new Activation(config.name(), config.activation(true));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.activation(function);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "activation";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.activate(function, input);
    }
}
