package org.sightline.model;

/** Keras's {@code Flatten}: an NHWC image becomes a vector in (height, width, channel) order. */
public record Flatten(String name) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Flatten";

    public static Flatten of() {
        return new Flatten(null);
    }

    @Override
    public Flatten withName(String newName) {
        return new Flatten(newName);
    }

    /** Reads Keras's {@code Flatten} config; only channels_last keeps Keras's element order. */
    public static Flatten fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        return new Flatten(config.name());
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.channelsLast().recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "flatten";
    }

    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.size());
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.ops().reshape(input, context.inputShape().size());
    }
}
