package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sightline.ops.Ops;

/**
 * Keras's {@code RandomTranslation} with {@code fill_mode="constant"} and
 * {@code interpolation="nearest"}: in training, each example moves by {@code dy} rows (down when
 * positive) and {@code dx} columns (right when positive), drawn uniformly from
 * {@code [heightLower, heightUpper) * height} and {@code [widthLower, widthUpper) * width}; pixels
 * moved in from outside take {@code fillValue}. At inference it passes through.
 *
 * <p>With nearest interpolation Keras samples the input at {@code round(y - dy)}, which is a move by the
 * whole number of pixels {@code round(dy)}; Sightline draws that integer with Keras's probabilities and
 * moves pixels exactly (pad and slice), one candidate per possible integer, selected per example. Keras's
 * defaults, {@code fill_mode="reflect"} and {@code interpolation="bilinear"}, interpolate between pixels
 * at sub-pixel offsets and extend the image by reflection; {@link #fromKeras} refuses them, and the
 * other fill modes, naming the field.
 *
 * <pre>{@code
 * RandomTranslation.of(0.1, 0.1)   // up to 10 % of the height and width either way, zeros around
 * }</pre>
 *
 * @param heightLower lower bound of the vertical move as a fraction of the height, in [-1, 1]
 * @param heightUpper upper bound, in [heightLower, 1]
 * @param widthLower  lower bound of the horizontal move as a fraction of the width, in [-1, 1]
 * @param widthUpper  upper bound, in [widthLower, 1]
 * @param fillValue   the value of pixels moved in from outside, Keras default 0
 */
public record RandomTranslation(String name, double heightLower, double heightUpper, double widthLower,
        double widthUpper, double fillValue) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "RandomTranslation";

    public RandomTranslation {
        checkArgument(-1 <= heightLower && heightLower <= heightUpper && heightUpper <= 1,
                "RandomTranslation.height_factor must be within [-1, 1] with lower <= upper, got (%s, %s)",
                heightLower, heightUpper);
        checkArgument(-1 <= widthLower && widthLower <= widthUpper && widthUpper <= 1,
                "RandomTranslation.width_factor must be within [-1, 1] with lower <= upper, got (%s, %s)",
                widthLower, widthUpper);
        checkArgument(Double.isFinite(fillValue), "RandomTranslation.fill_value must be finite, got %s", fillValue);
    }

    /** Moves up to {@code heightFactor} and {@code widthFactor} either way, as Keras's single-number factors. */
    public static RandomTranslation of(double heightFactor, double widthFactor) {
        return new RandomTranslation(null, -Math.abs(heightFactor), Math.abs(heightFactor), -Math.abs(widthFactor),
                Math.abs(widthFactor), 0);
    }

    @Override
    public RandomTranslation withName(String newName) {
        return new RandomTranslation(newName, heightLower, heightUpper, widthLower, widthUpper, fillValue);
    }

    /**
     * Reads Keras's config: factors as a number f (the range [-|f|, |f|]) or a pair (sorted, as Keras);
     * refuses a {@code fill_mode} other than constant and an {@code interpolation} other than nearest.
     */
    public static RandomTranslation fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        double[] height = factor(config, "height_factor");
        double[] width = factor(config, "width_factor");
        String fillMode = config.string("fill_mode", "reflect");
        if (!fillMode.equals("constant")) {
            throw config.error("fill_mode '" + fillMode + "' is not supported; Sightline translates by whole pixels "
                    + "with fill_mode 'constant'");
        }
        String interpolation = config.string("interpolation", "bilinear");
        if (!interpolation.equals("nearest")) {
            throw config.error("interpolation '" + interpolation + "' is not supported; Sightline translates by "
                    + "whole pixels, which is interpolation 'nearest'");
        }
        double fillValue = config.number("fill_value", 0.0);
        config.take("seed");
        return config.build(() -> new RandomTranslation(config.name(), height[0], height[1], width[0], width[1],
                fillValue));
    }

    private static double[] factor(KerasConfig config, String field) {
        JsonNode node = config.take(field);
        if (node != null && node.isNumber()) {
            double f = Math.abs(node.doubleValue());
            return new double[] {-f, f};
        }
        if (node != null && node.isArray() && node.size() == 2 && node.get(0).isNumber() && node.get(1).isNumber()) {
            double[] pair = {node.get(0).doubleValue(), node.get(1).doubleValue()};
            Arrays.sort(pair);
            return pair;
        }
        throw config.error(field + " must be a number or a pair of numbers, got " + node);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        putFactor(config, "height_factor", heightLower, heightUpper);
        putFactor(config, "width_factor", widthLower, widthUpper);
        config.put("fill_mode", "constant").put("interpolation", "nearest").putNull("seed").put("fill_value", fillValue)
                .channelsLast();
    }

    private static void putFactor(KerasConfig.Writer config, String field, double lower, double upper) {
        if (lower == -upper) {
            config.put(field, upper);
        } else {
            config.config().set(field, JsonNodeFactory.instance.arrayNode().add(lower).add(upper));
        }
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "random_translation";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        if (!context.training()) {
            return input;
        }
        Ops<T> ops = context.ops();
        Shape shape = context.inputShape();
        T draws = Augmentation.perExampleUniform(context, input, 2);
        T rows = move(ops, input, Augmentation.column(ops, draws, 0), heightLower, heightUpper, 1, shape);
        return move(ops, rows, Augmentation.column(ops, draws, 1), widthLower, widthUpper, 2, shape);
    }

    /**
     * {@code x} moved along {@code axis} by {@code round(d)} pixels, {@code d = (lower + u (upper - lower))
     * * extent}: one candidate per integer in range, each selected where {@code d} rounds to it. The
     * thresholds are worked out on {@code u} here, so that the backend compares only.
     */
    private <T> T move(Ops<T> ops, T x, T u, double lower, double upper, int axis, Shape shape) {
        int extent = shape.dim(axis - 1);
        double low = lower * extent;
        double high = upper * extent;
        int first = (int) Math.floor(low + 0.5);
        // The draw never reaches high: the last integer is the one whose interval [k - 0.5, k + 0.5) starts below it.
        int last = high == low ? first : (int) Math.ceil(high + 0.5) - 1;
        if (first == last) {
            return moved(ops, x, axis, first, shape);
        }
        List<T> masks = new ArrayList<>();
        List<T> candidates = new ArrayList<>();
        for (int k = first; k <= last; k++) {
            double from = (k - 0.5 - low) / (high - low);
            double to = (k + 0.5 - low) / (high - low);
            T mask = Augmentation.within(ops, u, from, k == last ? 2 : to);
            masks.add(Augmentation.spread(ops, mask, shape));
            candidates.add(moved(ops, x, axis, k, shape));
        }
        return Augmentation.select(ops, masks, candidates);
    }

    /** {@code x} moved by {@code k} pixels, the uncovered ones {@code fillValue}. */
    private <T> T moved(Ops<T> ops, T x, int axis, int k, Shape shape) {
        T shifted = Augmentation.shift(ops, x, axis, k, shape.dim(axis - 1));
        if (fillValue == 0 || k == 0) {
            return shifted;
        }
        float[] fill = new float[shape.size()];
        int extent = shape.dim(axis - 1);
        for (int i = 0; i < fill.length; i++) {
            // NHWC without the batch: index = (row * width + column) * channels + channel.
            int row = i / (shape.width() * shape.channels());
            int column = (i / shape.channels()) % shape.width();
            int at = axis == 1 ? row : column;
            boolean uncovered = k > 0 ? at < Math.min(k, extent) : at >= extent - Math.min(-k, extent);
            fill[i] = uncovered ? (float) fillValue : 0f;
        }
        return ops.add(shifted, ops.constant(FloatTensor.wrap(shape.dims(), fill)));
    }
}
