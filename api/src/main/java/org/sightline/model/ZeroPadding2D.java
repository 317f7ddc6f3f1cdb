package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Keras's {@code ZeroPadding2D}: rows of zeros above and below an image, columns of zeros left and
 * right of it.
 *
 * <pre>{@code
 * ZeroPadding2D.of(4)                  // (32, 32, 3) -> (40, 40, 3)
 * new ZeroPadding2D(null, 1, 2, 0, 3)  // top 1, bottom 2, left 0, right 3
 * }</pre>
 */
public record ZeroPadding2D(String name, int top, int bottom, int left, int right) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "ZeroPadding2D";

    public ZeroPadding2D {
        checkArgument(top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
                "ZeroPadding2D.padding must be >= 0 on every side, got ((%s, %s), (%s, %s))", top, bottom, left, right);
    }

    /** The same padding on every side: Keras's {@code padding=n}. */
    public static ZeroPadding2D of(int padding) {
        return new ZeroPadding2D(null, padding, padding, padding, padding);
    }

    @Override
    public ZeroPadding2D withName(String newName) {
        return new ZeroPadding2D(newName, top, bottom, left, right);
    }

    /** Reads {@code padding} as an int, a (rows, columns) pair or ((top, bottom), (left, right)). */
    public static ZeroPadding2D fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        int[] sides = ImageSides.read(config, "padding", 1);
        return config.build(() -> new ZeroPadding2D(config.name(), sides[0], sides[1], sides[2], sides[3]));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        ImageSides.write(config, "padding", top, bottom, left, right);
        config.channelsLast();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "zero_padding2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return Shape.image(input.height() + top + bottom, input.width() + left + right, input.channels());
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.ops().pad(input, new int[][] {{0, 0}, {top, bottom}, {left, right}, {0, 0}});
    }
}
