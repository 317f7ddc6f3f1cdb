package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * The window of a 2-D pooling layer: pool size, strides (Keras defaults them to the pool size)
 * and padding.
 */
public record PoolingWindow(int poolHeight, int poolWidth, int strideHeight, int strideWidth, Padding padding) {

    public PoolingWindow {
        checkArgument(poolHeight > 0 && poolWidth > 0, "pool_size must be > 0, got (%s, %s)", poolHeight, poolWidth);
        checkArgument(strideHeight > 0 && strideWidth > 0, "strides must be > 0, got (%s, %s)", strideHeight,
                strideWidth);
        Objects.requireNonNull(padding, "padding");
    }

    /** A square pool with strides equal to the pool size and padding 'valid', as Keras defaults. */
    public static PoolingWindow of(int poolSize) {
        return new PoolingWindow(poolSize, poolSize, poolSize, poolSize, Padding.VALID);
    }

    /** The window of a Keras pooling layer's config; strides default to the pool size, as in Keras. */
    static PoolingWindow fromKeras(KerasConfig config) {
        int[] pool = config.pair("pool_size", new int[] {2, 2});
        int[] strides = config.pair("strides", pool);
        Padding padding = config.padding();
        config.requireChannelsLast();
        return new PoolingWindow(pool[0], pool[1], strides[0], strides[1], padding);
    }

    void kerasConfig(KerasConfig.Writer config) {
        config.pair("pool_size", poolHeight, poolWidth).padding(padding).pair("strides", strideHeight, strideWidth)
                .channelsLast();
    }

    Shape outputShape(Layer layer, Shape input) {
        Layer.requireImage(layer, input);
        String where = layer.kerasClass() + " '" + layer.name() + "'";
        return Shape.image(padding.outputLength(input.height(), poolHeight, strideHeight, where),
                padding.outputLength(input.width(), poolWidth, strideWidth, where), input.channels());
    }
}
