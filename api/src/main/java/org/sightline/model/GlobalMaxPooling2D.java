package org.sightline.model;

/**
 * Keras's {@code GlobalMaxPooling2D}: the largest value of each channel over the whole image, a vector of
 * channels, or with {@code keepDims} a 1 x 1 image of them (Keras's {@code keepdims}).
 *
 * <pre>{@code
 * GlobalMaxPooling2D.of()   // (h, w, c) -> (c)
 * }</pre>
 */
public record GlobalMaxPooling2D(String name, boolean keepDims) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "GlobalMaxPooling2D";

    /** A vector of channel maxima: Keras's default. */
    public static GlobalMaxPooling2D of() {
        return new GlobalMaxPooling2D(null, false);
    }

    @Override
    public GlobalMaxPooling2D withName(String newName) {
        return new GlobalMaxPooling2D(newName, keepDims);
    }

    public GlobalMaxPooling2D withKeepDims(boolean newKeepDims) {
        return new GlobalMaxPooling2D(name, newKeepDims);
    }

    /** Reads Keras's config; Keras before 2.6 wrote no {@code keepdims}. */
    public static GlobalMaxPooling2D fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        return new GlobalMaxPooling2D(config.name(), config.bool("keepdims", false));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.channelsLast().put("keepdims", keepDims);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "global_max_pooling2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return keepDims ? Shape.image(1, 1, input.channels()) : Shape.of(input.channels());
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.ops().max(input, new int[] {1, 2}, keepDims);
    }
}
