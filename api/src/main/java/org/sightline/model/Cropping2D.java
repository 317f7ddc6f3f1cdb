package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Keras's {@code Cropping2D}: rows removed at the top and bottom of an image, columns at its left and
 * right.
 *
 * <pre>{@code
 * Cropping2D.of(2)                  // (32, 32, 3) -> (28, 28, 3)
 * new Cropping2D(null, 1, 0, 2, 2)  // top 1, bottom 0, left 2, right 2
 * }</pre>
 */
public record Cropping2D(String name, int top, int bottom, int left, int right) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Cropping2D";

    public Cropping2D {
        checkArgument(top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
                "Cropping2D.cropping must be >= 0 on every side, got ((%s, %s), (%s, %s))", top, bottom, left, right);
    }

    /** The same cropping on every side: Keras's {@code cropping=n}. */
    public static Cropping2D of(int cropping) {
        return new Cropping2D(null, cropping, cropping, cropping, cropping);
    }

    @Override
    public Cropping2D withName(String newName) {
        return new Cropping2D(newName, top, bottom, left, right);
    }

    /** Reads {@code cropping} as an int, a (rows, columns) pair or ((top, bottom), (left, right)). */
    public static Cropping2D fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        int[] sides = ImageSides.read(config, "cropping", 0);
        return config.build(() -> new Cropping2D(config.name(), sides[0], sides[1], sides[2], sides[3]));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        ImageSides.write(config, "cropping", top, bottom, left, right);
        config.channelsLast();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "cropping2d";
    }

    /** As Keras, refuses a cropping that leaves no row or no column. */
    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        int height = input.height() - top - bottom;
        int width = input.width() - left - right;
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException(KERAS_CLASS + " '" + name + "' crops ((" + top + ", " + bottom + "), ("
                    + left + ", " + right + ")) from " + input + ", which leaves nothing");
        }
        return Shape.image(height, width, input.channels());
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Shape in = context.inputShape();
        return Augmentation.crop(context.ops(), input, top, left, in.height() - top - bottom,
                in.width() - left - right);
    }
}
