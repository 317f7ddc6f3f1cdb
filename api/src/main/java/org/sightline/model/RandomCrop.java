package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import org.sightline.ops.Ops;

/**
 * Keras's {@code RandomCrop}: a {@code height x width} window of each image.
 *
 * <p>In training, when the input is larger than the window in both directions, Keras picks one
 * position for the whole batch, uniformly among all positions ({@code floor(uniform * (H - height + 1))}
 * rows down, the same for columns); Sightline does the same, one candidate window per row and per
 * column offset, selected by the draw. Otherwise, and at inference, Keras takes the largest centred
 * window with the target's aspect ratio and resizes it bilinearly (half-pixel centres, no antialiasing)
 * to {@code height x width}: with an input of exactly that size this is the identity. Sightline follows
 * Keras 2 and the first Keras 3 releases (smart_resize at inference), as Keras documents; the latest Keras 3
 * sources skip the inference resize and return an image of the wrong size, which Sightline does not copy.
 * The resize is a fixed linear map per axis, made a 1x1 convolution over that axis moved last.
 *
 * <pre>{@code
 * RandomCrop.of(32, 32)   // after ZeroPadding2D.of(4) on 32 x 32 images: CIFAR's crop augmentation
 * }</pre>
 */
public record RandomCrop(String name, int height, int width) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "RandomCrop";

    public RandomCrop {
        checkArgument(height > 0 && width > 0, "RandomCrop.height and width must be > 0, got %s x %s", height, width);
    }

    public static RandomCrop of(int height, int width) {
        return new RandomCrop(null, height, width);
    }

    @Override
    public RandomCrop withName(String newName) {
        return new RandomCrop(newName, height, width);
    }

    /** Reads Keras's config; the layer's {@code seed} is read and not used, as Dropout's. */
    public static RandomCrop fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        int height = config.integer("height", null);
        int width = config.integer("width", null);
        config.take("seed");
        return config.build(() -> new RandomCrop(config.name(), height, width));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("height", height).put("width", width).putNull("seed").channelsLast();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "random_crop";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return Shape.image(height, width, input.channels());
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        Shape shape = context.inputShape();
        if (context.training() && shape.height() > height && shape.width() > width) {
            T draws = Augmentation.perExampleUniform(context, input, 2);
            // One position for the batch, as Keras: the first example's draws, as scalars.
            T rowDraw = ops.sum(ops.slice(draws, new int[] {0, 0}, new int[] {1, 1}), new int[] {0, 1}, false);
            T columnDraw = ops.sum(ops.slice(draws, new int[] {0, 1}, new int[] {1, 1}), new int[] {0, 1}, false);
            T rows = pick(ops, input, rowDraw, shape.height() - height + 1, true, shape.width());
            return pick(ops, rows, columnDraw, shape.width() - width + 1, false, height);
        }
        int[] window = centredWindow(shape);
        T cropped = Augmentation.crop(ops, input, window[0], window[1], window[2], window[3]);
        return resize(ops, resize(ops, cropped, window[2], height, true), window[3], width, false);
    }

    /** The window at offset {@code floor(draw * positions)} along rows or columns. */
    private <T> T pick(Ops<T> ops, T x, T draw, int positions, boolean rows, int otherExtent) {
        List<T> masks = new ArrayList<>();
        List<T> candidates = new ArrayList<>();
        for (int i = 0; i < positions; i++) {
            masks.add(Augmentation.within(ops, draw, i / (double) positions,
                    i == positions - 1 ? 2 : (i + 1) / (double) positions));
            candidates.add(rows ? Augmentation.crop(ops, x, i, 0, height, otherExtent)
                    : Augmentation.crop(ops, x, 0, i, otherExtent, width));
        }
        return Augmentation.select(ops, masks, candidates);
    }

    /** Keras's inference window {@code {top, left, height, width}}: the largest centred one of the target's ratio. */
    int[] centredWindow(Shape input) {
        int cropHeight = Math.max(Math.min(input.height(), (int) ((double) input.width() * height / width)), 1);
        int cropWidth = Math.max(Math.min(input.width(), (int) ((double) input.height() * width / height)), 1);
        return new int[] {(input.height() - cropHeight) / 2, (input.width() - cropWidth) / 2, cropHeight, cropWidth};
    }

    /**
     * Bilinear resize of rows ({@code alongRows}) or columns from {@code from} to {@code to} values, as
     * TensorFlow's with half-pixel centres: the axis is moved last and a 1x1 convolution applies the
     * {@code from x to} interpolation matrix.
     */
    private static <T> T resize(Ops<T> ops, T x, int from, int to, boolean alongRows) {
        if (from == to) {
            return x;
        }
        int[] permutation = alongRows ? new int[] {0, 3, 2, 1} : new int[] {0, 1, 3, 2};
        float[] kernel = new float[from * to];
        double scale = from / (double) to;
        for (int out = 0; out < to; out++) {
            double source = (out + 0.5) * scale - 0.5;
            double floor = Math.floor(source);
            int lower = Math.max((int) floor, 0);
            int upper = Math.min((int) Math.ceil(source), from - 1);
            double lerp = source - floor;
            // Kernel [1, 1, from, to]: input value `in` feeds output `out` with this weight.
            kernel[lower * to + out] += (float) (1 - lerp);
            kernel[upper * to + out] += (float) lerp;
        }
        T moved = ops.transpose(x, permutation);
        T resized = ops.conv2d(moved, ops.constant(FloatTensor.wrap(new int[] {1, 1, from, to}, kernel)),
                Ops.Convolution.of(Padding.VALID));
        return ops.transpose(resized, permutation);
    }
}
