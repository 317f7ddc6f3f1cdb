package org.sightline.model;

import java.util.Objects;

/** Keras's {@code AveragePooling2D}: the mean of each window, channel by channel. */
public record AveragePooling2D(String name, PoolingWindow window) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "AveragePooling2D";

    public AveragePooling2D {
        Objects.requireNonNull(window, "AveragePooling2D.window");
    }

    /** A square pool, strides equal to the pool size, padding 'valid'. */
    public static AveragePooling2D of(int poolSize) {
        return new AveragePooling2D(null, PoolingWindow.of(poolSize));
    }

    @Override
    public AveragePooling2D withName(String newName) {
        return new AveragePooling2D(newName, window);
    }

    /** Reads Keras's {@code AveragePooling2D} config. */
    public static AveragePooling2D fromKeras(KerasConfig config, Shape input) {
        return new AveragePooling2D(config.name(), PoolingWindow.fromKeras(config));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        window.kerasConfig(config);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "average_pooling2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        return window.outputShape(this, input);
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.ops().averagePool(input, window);
    }
}
