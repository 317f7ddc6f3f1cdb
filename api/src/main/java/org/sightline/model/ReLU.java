package org.sightline.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.sightline.ops.Ops;

/**
 * Keras's {@code ReLU} layer, piece by piece as Keras computes it, with {@code t} the threshold:
 * {@code min(x, maxValue)} where {@code x > t}, {@code 0} where {@code x == t}, and
 * {@code negativeSlope * (x - t)} where {@code x < t}. With the defaults it is the plain ReLU; with
 * {@code maxValue} 6, ReLU6 (MobileNet's).
 *
 * <pre>{@code
 * ReLU.of().withMaxValue(6.0)                       // relu6
 * new ReLU(null, null, 0.1, 1.0)                    // slope 0.1 below the threshold 1
 * }</pre>
 *
 * @param name          the layer's name, or null for Keras's automatic one
 * @param maxValue      the largest output, >= 0; null for none (Keras's {@code max_value: null})
 * @param negativeSlope the slope below the threshold, >= 0
 * @param threshold     inputs at or below it are damped, >= 0
 */
public record ReLU(String name, Double maxValue, double negativeSlope, double threshold) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "ReLU";

    public ReLU {
        // Keras refuses negative values (and so would Keras 3 reading what Sightline writes).
        if (maxValue != null && !(maxValue >= 0 && Double.isFinite(maxValue))) {
            throw new IllegalArgumentException("ReLU.max_value must be a finite number >= 0 or null, got " + maxValue);
        }
        if (!(negativeSlope >= 0 && Double.isFinite(negativeSlope))) {
            throw new IllegalArgumentException("ReLU.negative_slope must be a finite number >= 0, got "
                    + negativeSlope);
        }
        if (!(threshold >= 0 && Double.isFinite(threshold))) {
            throw new IllegalArgumentException("ReLU.threshold must be a finite number >= 0, got " + threshold);
        }
    }

    /** {@code max(x, 0)}: Keras's defaults. */
    public static ReLU of() {
        return new ReLU(null, null, 0, 0);
    }

    @Override
    public ReLU withName(String newName) {
        return new ReLU(newName, maxValue, negativeSlope, threshold);
    }

    public ReLU withMaxValue(Double newMaxValue) {
        return new ReLU(name, newMaxValue, negativeSlope, threshold);
    }

    /** Reads Keras's config; Keras 2 and Keras 3 spell it the same. */
    public static ReLU fromKeras(KerasConfig config, Shape input) {
        JsonNode max = config.take("max_value");
        if (max != null && !max.isNumber()) {
            throw config.error("max_value must be a number or null, got " + max);
        }
        double slope = config.number("negative_slope", 0.0);
        double threshold = config.number("threshold", 0.0);
        return config.build(() -> new ReLU(config.name(), max == null ? null : max.doubleValue(), slope, threshold));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        if (maxValue == null) {
            config.putNull("max_value");
        } else {
            config.put("max_value", maxValue);
        }
        config.put("negative_slope", negativeSlope).put("threshold", threshold);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "re_lu";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        T positive;
        if (threshold != 0) {
            // x where x > t, else 0: strictly greater, as Keras, so x == t gives 0.
            T t = ops.constant((float) threshold);
            positive = ops.multiply(input, ops.subtract(ops.constant(1), ops.greaterEqual(t, input)));
        } else {
            positive = ops.relu(input);
        }
        if (maxValue != null) {
            // Keras clips to [0, max]; positive is never below 0, so only the top bound acts.
            positive = ops.minimum(positive, ops.constant(maxValue.floatValue()));
        }
        if (negativeSlope == 0) {
            return positive;
        }
        T below = ops.relu(ops.subtract(ops.constant((float) threshold), input));
        return ops.subtract(positive, ops.multiply(ops.constant((float) negativeSlope), below));
    }
}
