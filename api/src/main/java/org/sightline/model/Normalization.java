package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.sightline.ops.Ops;

/**
 * Keras's {@code Normalization} over the last axis: {@code (x - mean) / max(sqrt(variance), 1e-7)}, the
 * guard being Keras's {@code backend.epsilon()}.
 *
 * <p>As Keras, the statistics come from one of two places. Given in the config ({@code mean} and
 * {@code variance}, each one number or one per channel), they are constants and the layer has no
 * weights. Otherwise they are the non-trainable weights Keras 3's {@code build} creates, in its order:
 * {@code mean} and {@code variance} per channel and the scalar {@code count} of examples
 * {@code adapt()} saw (Keras keeps it for old saved models; Sightline carries it, never reads it).
 *
 * <pre>{@code
 * Normalization.adapted()                                    // weights mean, variance, count
 * Normalization.of(List.of(0.5, 0.4, 0.3), List.of(0.04))    // constants
 * }</pre>
 *
 * @param mean     null for weights, else one value or one per channel
 * @param variance null exactly when {@code mean} is, else one value or one per channel, each >= 0
 */
public record Normalization(String name, List<Double> mean, List<Double> variance) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Normalization";

    public Normalization {
        checkArgument((mean == null) == (variance == null),
                "Normalization.mean and Normalization.variance must be given together, got mean %s, variance %s",
                mean, variance);
        if (mean != null) {
            checkArgument(!mean.isEmpty() && mean.stream().allMatch(v -> v != null && Double.isFinite(v)),
                    "Normalization.mean must be one or more finite numbers, got %s", mean);
            checkArgument(!variance.isEmpty() && variance.stream().allMatch(v -> v != null && Double.isFinite(v)
                    && v >= 0), "Normalization.variance must be one or more finite numbers >= 0, got %s", variance);
            mean = List.copyOf(mean);
            variance = List.copyOf(variance);
        }
    }

    /** Statistics held as weights, set by training code or read from a Keras file. */
    public static Normalization adapted() {
        return new Normalization(null, null, null);
    }

    /** Statistics given as constants. */
    public static Normalization of(List<Double> mean, List<Double> variance) {
        return new Normalization(null, mean, variance);
    }

    @Override
    public Normalization withName(String newName) {
        return new Normalization(newName, mean, variance);
    }

    /**
     * Reads Keras's config: {@code axis} must be the last axis (-1, [-1], or Keras 2's count with the
     * batch axis); {@code invert} (Keras 2.10 and 3) is refused when true.
     */
    public static Normalization fromKeras(KerasConfig config, Shape input) {
        JsonNode axis = config.take("axis");
        JsonNode single = axis != null && axis.isArray() && axis.size() == 1 ? axis.get(0) : axis;
        if (single == null || !single.isIntegralNumber()
                || (single.intValue() != -1 && single.intValue() != input.rank())) {
            throw config.error("axis " + axis + " is not the last axis of input " + input
                    + "; Sightline normalizes the last axis only");
        }
        if (config.bool("invert", false)) {
            throw config.error("invert = true (denormalizing) is not supported");
        }
        List<Double> mean = ChannelValues.read(config, "mean");
        List<Double> variance = ChannelValues.read(config, "variance");
        return config.build(() -> new Normalization(config.name(), mean, variance));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.config().set("axis", JsonNodeFactory.instance.arrayNode().add(-1));
        config.put("invert", false);
        ChannelValues.write(config, "mean", mean);
        ChannelValues.write(config, "variance", variance);
        // Keras 3's Normalization has a build(), with or without given statistics.
        config.recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "normalization";
    }

    /** The input's shape; given statistics must have one value, or one per value of the last axis. */
    @Override
    public Shape outputShape(Shape input) {
        ChannelValues.requireFits(this, "mean", mean, input);
        ChannelValues.requireFits(this, "variance", variance, input);
        return input;
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        if (mean != null) {
            return List.of();
        }
        int channels = input.dim(input.rank() - 1);
        return List.of(
                WeightSpec.statistic("mean", Initializer.ZEROS, channels),
                WeightSpec.statistic("variance", Initializer.ONES, channels),
                WeightSpec.statistic("count", Initializer.ZEROS));
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        T mu = mean == null ? context.weight("mean") : ChannelValues.constant(ops, mean);
        T sigma2 = variance == null ? context.weight("variance") : ChannelValues.constant(ops, variance);
        return ops.divide(ops.subtract(input, mu), ops.maximum(ops.sqrt(sigma2), ops.constant(Ops.EPSILON)));
    }
}
