package org.sightline.model;

import org.sightline.ops.Ops;
import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Keras's {@code BatchNormalization} over one axis: by default the last (channels for NHWC images, units
 * for flat inputs). With {@code scale}, trainable {@code gamma}; with {@code center}, trainable
 * {@code beta}; always non-trainable {@code moving_mean} and {@code moving_variance}, updated as
 * {@code moving = moving * momentum + batch * (1 - momentum)}, each {@code [size of the axis]}.
 *
 * <p>{@code axis} counts from the end, -1 being the last axis, so that one layer fits inputs of any rank
 * as Keras's default {@code -1} does; {@link #fromKeras} converts Keras's axes that count the batch
 * axis from the start (Keras 2 wrote {@code [3]} for an image's channels). Keras 2 also accepted a list
 * of axes, Keras 3 one: a list of one axis is read, a longer one refused.
 *
 * <pre>{@code
 * BatchNormalization.of().withAxis(-3).withCenter(false)
 * }</pre>
 *
 * @param axis     the normalised axis, counted from the end: -1 the last, down to minus the input's rank
 * @param momentum Keras default 0.99
 * @param epsilon  added to the variance, Keras default 1e-3
 * @param center   whether {@code beta} is added
 * @param scale    whether the result is multiplied by {@code gamma}
 */
public record BatchNormalization(String name, int axis, double momentum, double epsilon, boolean center,
        boolean scale) implements UnaryLayer {

    public static final double DEFAULT_MOMENTUM = 0.99;
    public static final double DEFAULT_EPSILON = 1e-3;
    /** The Keras class name. */
    public static final String KERAS_CLASS = "BatchNormalization";

    public BatchNormalization {
        checkArgument(axis < 0, "BatchNormalization.axis must count from the end (-1 for the last axis), got %s",
                axis);
        checkArgument(momentum >= 0 && momentum <= 1, "BatchNormalization.momentum must be in [0, 1], got %s",
                momentum);
        checkArgument(epsilon > 0 && !Double.isInfinite(epsilon),
                "BatchNormalization.epsilon must be a finite number > 0, got %s", epsilon);
    }

    /** Over the last axis, with gamma and beta. */
    public BatchNormalization(String name, double momentum, double epsilon) {
        this(name, -1, momentum, epsilon, true, true);
    }

    /** Keras's defaults: the last axis, momentum 0.99, epsilon 1e-3, gamma and beta. */
    public static BatchNormalization of() {
        return new BatchNormalization(null, DEFAULT_MOMENTUM, DEFAULT_EPSILON);
    }

    @Override
    public BatchNormalization withName(String newName) {
        return new BatchNormalization(newName, axis, momentum, epsilon, center, scale);
    }

    /** Normalises axis {@code newAxis}, counted from the end (-1: the last). */
    public BatchNormalization withAxis(int newAxis) {
        return new BatchNormalization(name, newAxis, momentum, epsilon, center, scale);
    }

    /** With or without {@code beta}. */
    public BatchNormalization withCenter(boolean newCenter) {
        return new BatchNormalization(name, axis, momentum, epsilon, newCenter, scale);
    }

    /** With or without {@code gamma}. */
    public BatchNormalization withScale(boolean newScale) {
        return new BatchNormalization(name, axis, momentum, epsilon, center, newScale);
    }

    /**
     * Reads Keras's {@code BatchNormalization} config for an {@code input} of one example. Keras's
     * {@code axis} counts the batch axis: a non-negative axis {@code a} is axis {@code a - 1} of an
     * example, and 0, the batch itself, is refused.
     */
    public static BatchNormalization fromKeras(KerasConfig config, Shape input) {
        int axis = -1;
        JsonNode axisNode = config.take("axis");
        if (axisNode != null) {
            JsonNode single = axisNode.isArray() && axisNode.size() == 1 ? axisNode.get(0) : axisNode;
            if (!single.isIntegralNumber() || !single.canConvertToInt()) {
                throw config.error("axis must be one integer, got " + axisNode
                        + "; Sightline normalizes over one axis");
            }
            int given = single.intValue();
            int rank = input.rank() + 1;
            if (given == 0 || given <= -rank || given >= rank) {
                throw config.error("axis " + axisNode + " is not an axis of an example of input " + input
                        + " (1 to " + (rank - 1) + ", or -1 to -" + (rank - 1) + ")");
            }
            axis = given > 0 ? given - rank : given;
        }
        double momentum = config.number("momentum", DEFAULT_MOMENTUM);
        double epsilon = config.number("epsilon", DEFAULT_EPSILON);
        boolean center = config.bool("center", true);
        boolean scale = config.bool("scale", true);
        config.initializer("beta_initializer", Initializer.ZEROS);
        config.initializer("gamma_initializer", Initializer.ONES);
        config.initializer("moving_mean_initializer", Initializer.ZEROS);
        config.initializer("moving_variance_initializer", Initializer.ONES);
        return new BatchNormalization(config.name(), axis, momentum, epsilon, center, scale);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("axis", axis).put("momentum", momentum).put("epsilon", epsilon).put("center", center)
                .put("scale", scale).initializer("beta_initializer", Initializer.ZEROS)
                .initializer("gamma_initializer", Initializer.ONES)
                .initializer("moving_mean_initializer", Initializer.ZEROS)
                .initializer("moving_variance_initializer", Initializer.ONES)
                .putNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
                .put("synchronized", false).recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "batch_normalization";
    }

    @Override
    public Shape outputShape(Shape input) {
        axisOf(input);
        return input;
    }

    /**
     * Training: normalise with the batch's statistics and move the moving ones towards them, as Keras:
     * {@code moving = moving * momentum + batch * (1 - momentum)}. Inference: the moving statistics.
     * Another axis than the last is moved last and back, around the same operations.
     */
    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        int exampleAxis = axisOf(context.inputShape());
        int last = context.inputShape().rank();
        int[] toLast = null;
        T x = input;
        if (exampleAxis + 1 != last) {
            // Axis 0 of a model tensor is the batch: the example's axis a is the tensor's a + 1.
            toLast = moveToEnd(last + 1, exampleAxis + 1);
            x = ops.transpose(x, toLast);
        }
        int size = context.inputShape().dim(exampleAxis);
        T gamma = scale ? context.weight("gamma") : ops.constant(FloatTensor.filled(new int[] {size}, 1f));
        T beta = center ? context.weight("beta") : ops.constant(FloatTensor.filled(new int[] {size}, 0f));
        T output;
        if (!context.training() || context.frozen()) {
            output = ops.batchNormInference(x, gamma, beta, context.weight("moving_mean"),
                    context.weight("moving_variance"), (float) epsilon);
        } else {
            Ops.Normalized<T> normalized = ops.batchNormTraining(x, gamma, beta, (float) epsilon);
            context.assign("moving_mean", movingAverage(ops, context.weight("moving_mean"), normalized.mean()));
            context.assign("moving_variance", movingAverage(ops, context.weight("moving_variance"),
                    normalized.variance()));
            output = normalized.output();
        }
        return toLast == null ? output : ops.transpose(output, inverse(toLast));
    }

    private <T> T movingAverage(Ops<T> ops, T moving, T batch) {
        return ops.add(ops.multiply(moving, ops.constant((float) momentum)),
                ops.multiply(batch, ops.constant((float) (1 - momentum))));
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        int size = input.dim(axisOf(input));
        List<WeightSpec> weights = new ArrayList<>(4);
        if (scale) {
            weights.add(WeightSpec.trainable("gamma", Initializer.ONES, Constraint.none(), size));
        }
        if (center) {
            weights.add(WeightSpec.trainable("beta", Initializer.ZEROS, Constraint.none(), size));
        }
        weights.add(WeightSpec.statistic("moving_mean", Initializer.ZEROS, size));
        weights.add(WeightSpec.statistic("moving_variance", Initializer.ONES, size));
        return weights;
    }

    /** The normalised axis of an example of {@code input}, counted from its start. */
    public int axisOf(Shape input) {
        if (-axis > input.rank()) {
            throw new IllegalArgumentException("BatchNormalization '" + name + "': axis " + axis
                    + " is outside input " + input);
        }
        return input.rank() + axis;
    }

    /** The permutation of {@code rank} axes that moves {@code axis} last and keeps the others in order. */
    private static int[] moveToEnd(int rank, int axis) {
        int[] permutation = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != axis) {
                permutation[j++] = i;
            }
        }
        permutation[rank - 1] = axis;
        return permutation;
    }

    private static int[] inverse(int[] permutation) {
        int[] inverse = new int[permutation.length];
        for (int i = 0; i < permutation.length; i++) {
            inverse[permutation[i]] = i;
        }
        return inverse;
    }
}
