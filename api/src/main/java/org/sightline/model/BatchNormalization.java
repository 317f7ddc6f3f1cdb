package org.sightline.model;

import org.sightline.ops.Ops;
import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Keras's {@code BatchNormalization} over the last axis (channels for NHWC images, units for flat
 * inputs). Trainable {@code gamma} and {@code beta}; non-trainable {@code moving_mean} and
 * {@code moving_variance}, updated as {@code moving = moving * momentum + batch * (1 - momentum)}.
 *
 * @param momentum Keras default 0.99
 * @param epsilon  added to the variance, Keras default 1e-3
 */
public record BatchNormalization(String name, double momentum, double epsilon) implements UnaryLayer {

    public static final double DEFAULT_MOMENTUM = 0.99;
    public static final double DEFAULT_EPSILON = 1e-3;
    /** The Keras class name. */
    public static final String KERAS_CLASS = "BatchNormalization";

    public BatchNormalization {
        checkArgument(momentum >= 0 && momentum <= 1, "BatchNormalization.momentum must be in [0, 1], got %s",
                momentum);
        checkArgument(epsilon > 0 && !Double.isInfinite(epsilon),
                "BatchNormalization.epsilon must be a finite number > 0, got %s", epsilon);
    }

    /** Keras's defaults: momentum 0.99, epsilon 1e-3. */
    public static BatchNormalization of() {
        return new BatchNormalization(null, DEFAULT_MOMENTUM, DEFAULT_EPSILON);
    }

    @Override
    public BatchNormalization withName(String newName) {
        return new BatchNormalization(newName, momentum, epsilon);
    }

    /**
     * Reads Keras's {@code BatchNormalization} config for an {@code input} of one example; refuses an
     * axis other than the last and center or scale off.
     */
    public static BatchNormalization fromKeras(KerasConfig config, Shape input) {
        JsonNode axisNode = config.take("axis");
        if (axisNode != null) {
            JsonNode single = axisNode.isArray() && axisNode.size() == 1 ? axisNode.get(0) : axisNode;
            // With the batch axis, the last axis of an input of rank r is r; Keras 2 wrote it that way.
            if (!single.isIntegralNumber() || (single.intValue() != -1 && single.intValue() != input.rank())) {
                throw config.error("axis " + axisNode + " is not the last axis of input " + input
                        + "; Sightline normalizes the last (channel) axis only");
            }
        }
        double momentum = config.number("momentum", DEFAULT_MOMENTUM);
        double epsilon = config.number("epsilon", DEFAULT_EPSILON);
        if (!config.bool("center", true)) {
            throw config.error("center = false (no beta) is not supported");
        }
        if (!config.bool("scale", true)) {
            throw config.error("scale = false (no gamma) is not supported");
        }
        config.initializer("beta_initializer", Initializer.ZEROS);
        config.initializer("gamma_initializer", Initializer.ONES);
        config.initializer("moving_mean_initializer", Initializer.ZEROS);
        config.initializer("moving_variance_initializer", Initializer.ONES);
        return new BatchNormalization(config.name(), momentum, epsilon);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("axis", -1).put("momentum", momentum).put("epsilon", epsilon).put("center", true)
                .put("scale", true).initializer("beta_initializer", Initializer.ZEROS)
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
        return input;
    }

    /**
     * Training: normalise with the batch's statistics and move the moving ones towards them, as Keras:
     * {@code moving = moving * momentum + batch * (1 - momentum)}. Inference: the moving statistics.
     */
    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        T gamma = context.weight("gamma");
        T beta = context.weight("beta");
        if (!context.training()) {
            return ops.batchNormInference(input, gamma, beta, context.weight("moving_mean"),
                    context.weight("moving_variance"), (float) epsilon);
        }
        Ops.Normalized<T> normalized = ops.batchNormTraining(input, gamma, beta, (float) epsilon);
        context.assign("moving_mean", movingAverage(ops, context.weight("moving_mean"), normalized.mean()));
        context.assign("moving_variance", movingAverage(ops, context.weight("moving_variance"),
                normalized.variance()));
        return normalized.output();
    }

    private <T> T movingAverage(Ops<T> ops, T moving, T batch) {
        return ops.add(ops.multiply(moving, ops.constant((float) momentum)),
                ops.multiply(batch, ops.constant((float) (1 - momentum))));
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        int channels = input.dim(input.rank() - 1);
        return List.of(
                WeightSpec.trainable("gamma", Initializer.ONES, Constraint.none(), channels),
                WeightSpec.trainable("beta", Initializer.ZEROS, Constraint.none(), channels),
                WeightSpec.statistic("moving_mean", Initializer.ZEROS, channels),
                WeightSpec.statistic("moving_variance", Initializer.ONES, channels));
    }
}
