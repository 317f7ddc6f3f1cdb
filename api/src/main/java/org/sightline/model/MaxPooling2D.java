package org.sightline.model;

import java.util.Objects;

/** Keras's {@code MaxPooling2D}: the maximum of each window, channel by channel. */
public record MaxPooling2D(String name, PoolingWindow window) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "MaxPooling2D";

    public MaxPooling2D {
        Objects.requireNonNull(window, "MaxPooling2D.window");
    }

    /** A square pool, strides equal to the pool size, padding 'valid'. */
    public static MaxPooling2D of(int poolSize) {
        return new MaxPooling2D(null, PoolingWindow.of(poolSize));
    }

    @Override
    public MaxPooling2D withName(String newName) {
        return new MaxPooling2D(newName, window);
    }

    /** Reads Keras's {@code MaxPooling2D} config. */
    public static MaxPooling2D fromKeras(KerasConfig config, Shape input) {
        return new MaxPooling2D(config.name(), PoolingWindow.fromKeras(config));
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
        return "max_pooling2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        return window.outputShape(this, input);
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.ops().maxPool(input, window);
    }
}
