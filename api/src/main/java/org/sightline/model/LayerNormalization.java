package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sightline.ops.Ops;

/**
 * Keras's {@code LayerNormalization}: each example normalised over its last {@code trailingAxes} axes,
 * with the mean and (biased) variance of those values, then multiplied by {@code gamma} and shifted by
 * {@code beta}, both shaped like those axes. As Keras 3:
 * {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta}.
 *
 * <p>Keras accepts any set of axes; Sightline normalises trailing ones (Keras's default {@code -1}, or
 * e.g. {@code [-3, -2, -1]}, a whole image), where gamma and beta broadcast as a suffix. Keras 3's
 * {@code rms_scaling} is refused.
 *
 * <pre>{@code
 * LayerNormalization.of()                      // over the last axis
 * LayerNormalization.of().withTrailingAxes(3)  // over (height, width, channels)
 * }</pre>
 *
 * @param trailingAxes how many of the example's last axes are normalised together, > 0
 * @param epsilon      added to the variance, Keras default 1e-3
 * @param center       whether {@code beta} is added
 * @param scale        whether the result is multiplied by {@code gamma}
 */
public record LayerNormalization(String name, int trailingAxes, double epsilon, boolean center, boolean scale)
        implements UnaryLayer {

    public static final double DEFAULT_EPSILON = 1e-3;
    /** The Keras class name. */
    public static final String KERAS_CLASS = "LayerNormalization";

    public LayerNormalization {
        checkArgument(trailingAxes > 0, "LayerNormalization.axis must name at least one axis, got %s trailing axes",
                trailingAxes);
        checkArgument(epsilon > 0 && !Double.isInfinite(epsilon),
                "LayerNormalization.epsilon must be a finite number > 0, got %s", epsilon);
    }

    /** Keras's defaults: the last axis, epsilon 1e-3, gamma and beta. */
    public static LayerNormalization of() {
        return new LayerNormalization(null, 1, DEFAULT_EPSILON, true, true);
    }

    @Override
    public LayerNormalization withName(String newName) {
        return new LayerNormalization(newName, trailingAxes, epsilon, center, scale);
    }

    /** Normalises over the example's last {@code count} axes together. */
    public LayerNormalization withTrailingAxes(int count) {
        return new LayerNormalization(name, count, epsilon, center, scale);
    }

    public LayerNormalization withEpsilon(double newEpsilon) {
        return new LayerNormalization(name, trailingAxes, newEpsilon, center, scale);
    }

    /** With or without {@code beta}. */
    public LayerNormalization withCenter(boolean newCenter) {
        return new LayerNormalization(name, trailingAxes, epsilon, newCenter, scale);
    }

    /** With or without {@code gamma}. */
    public LayerNormalization withScale(boolean newScale) {
        return new LayerNormalization(name, trailingAxes, epsilon, center, newScale);
    }

    /**
     * Reads Keras's config: {@code axis} one integer or a list, counting the batch axis as Keras does
     * (Keras 2 wrote non-negative axes such as {@code [3]}, Keras 3 writes {@code [-1]} once built).
     */
    public static LayerNormalization fromKeras(KerasConfig config, Shape input) {
        JsonNode axisNode = config.take("axis");
        int trailing = 1;
        if (axisNode != null) {
            int rank = input.rank() + 1;
            List<JsonNode> given = new ArrayList<>();
            if (axisNode.isArray()) {
                axisNode.forEach(given::add);
            } else {
                given.add(axisNode);
            }
            int[] axes = new int[given.size()];
            for (int i = 0; i < axes.length; i++) {
                JsonNode a = given.get(i);
                if (!a.isIntegralNumber() || !a.canConvertToInt() || a.intValue() >= rank || a.intValue() < -rank) {
                    throw config.error("axis " + axisNode + " names no axis of input " + input);
                }
                axes[i] = a.intValue() < 0 ? a.intValue() + rank : a.intValue();
            }
            axes = Arrays.stream(axes).sorted().distinct().toArray();
            trailing = axes.length;
            if (trailing == 0 || axes[0] == 0 || axes[0] != rank - trailing) {
                throw config.error("axis " + axisNode + " is not a set of trailing axes of input " + input
                        + "; Sightline normalizes the last axes of an example");
            }
        }
        double epsilon = config.number("epsilon", DEFAULT_EPSILON);
        boolean center = config.bool("center", true);
        boolean scale = config.bool("scale", true);
        if (config.bool("rms_scaling", false)) {
            throw config.error("rms_scaling = true is not supported");
        }
        config.initializer("beta_initializer", Initializer.ZEROS);
        config.initializer("gamma_initializer", Initializer.ONES);
        return new LayerNormalization(config.name(), trailing, epsilon, center, scale);
    }

    /** Keras 3's spelling once built: the axes as a list, counted from the end. */
    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        int[] axes = new int[trailingAxes];
        for (int i = 0; i < trailingAxes; i++) {
            axes[i] = i - trailingAxes;
        }
        config.list("axis", axes).put("epsilon", epsilon).put("center", center).put("scale", scale)
                .put("rms_scaling", false).initializer("beta_initializer", Initializer.ZEROS)
                .initializer("gamma_initializer", Initializer.ONES)
                .putNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
                .recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "layer_normalization";
    }

    @Override
    public Shape outputShape(Shape input) {
        normalizedShape(input);
        return input;
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        int[] shape = normalizedShape(input);
        List<WeightSpec> weights = new ArrayList<>(2);
        if (scale) {
            weights.add(WeightSpec.trainable("gamma", Initializer.ONES, Constraint.none(), shape));
        }
        if (center) {
            weights.add(WeightSpec.trainable("beta", Initializer.ZEROS, Constraint.none(), shape));
        }
        return weights;
    }

    /**
     * The statistics keep their reduced axes, so that they broadcast back over the normalised values;
     * gamma and beta, shaped like the trailing axes, broadcast as a suffix.
     */
    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        int rank = context.inputShape().rank() + 1;
        int[] axes = new int[trailingAxes];
        for (int i = 0; i < trailingAxes; i++) {
            axes[i] = rank - trailingAxes + i;
        }
        T centered = ops.subtract(input, ops.mean(input, axes, true));
        T variance = ops.mean(ops.square(centered), axes, true);
        T x = ops.divide(centered, ops.sqrt(ops.add(variance, ops.constant((float) epsilon))));
        if (scale) {
            x = ops.multiply(x, context.weight("gamma"));
        }
        if (center) {
            x = ops.add(x, context.weight("beta"));
        }
        return x;
    }

    private int[] normalizedShape(Shape input) {
        if (trailingAxes > input.rank()) {
            throw new IllegalArgumentException("LayerNormalization '" + name + "' normalizes the last "
                    + trailingAxes + " axes, but input " + input + " has " + input.rank());
        }
        return Arrays.copyOfRange(input.dims(), input.rank() - trailingAxes, input.rank());
    }
}
