package org.sightline.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.sightline.ops.Ops;

/**
 * The element-wise (or, for softmax, per-example) activations Sightline supports, by Keras name, each
 * computed as Keras 3's {@code keras.activations} computes it.
 *
 * <p>Keras 2 and Keras 3 agree on every function but {@code hard_sigmoid}: Keras 3 computes
 * {@code relu6(x + 3) / 6} ({@link #HARD_SIGMOID}), Keras 2, tf.keras and TensorFlow.js
 * {@code clip(0.2 x + 0.5, 0, 1)} ({@link #HARD_SIGMOID_KERAS2}). Both are written {@code hard_sigmoid};
 * {@link KerasConfig} tells them apart by the spelling of the layer's config. Keras 3 writes swish as
 * {@code silu} and reads both names; so does Sightline.
 *
 * <pre>{@code
 * Dense.of(64).withActivation(ActivationFunction.GELU)
 * }</pre>
 */
public enum ActivationFunction {
    LINEAR,
    RELU,
    SIGMOID,
    TANH,
    SOFTMAX,
    /** {@code min(max(x, 0), 6)}. */
    RELU6,
    /** {@code x} where {@code x > 0}, else {@code exp(x) - 1}. */
    ELU,
    /** {@code scale * elu(x, alpha)} with Klambauer et al.'s constants, as Keras. */
    SELU,
    /** The exact GELU, {@code 0.5 x (1 + erf(x / sqrt(2)))}: Keras's default {@code approximate=False}. */
    GELU,
    /** {@code x * sigmoid(x)}, Keras's swish. */
    SILU,
    /** Keras 3's hard sigmoid, {@code relu6(x + 3) / 6}. */
    HARD_SIGMOID,
    /** Keras 2's (and tf.keras's, and TensorFlow.js's) hard sigmoid, {@code clip(0.2 x + 0.5, 0, 1)}. */
    HARD_SIGMOID_KERAS2,
    /** {@code log(1 + exp(x))}, computed without overflow. */
    SOFTPLUS,
    /** {@code x / (1 + |x|)}. */
    SOFTSIGN;

    // Keras's SELU constants (keras/src/backend/numpy/nn.py), to the precision Keras writes them.
    private static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    private static final double SELU_SCALE = 1.0507009873554804934193349852946;
    private static final double SQRT_HALF = Math.sqrt(0.5);

    /** The function applied to {@code x}; softmax over the last axis. */
    public <T> T apply(Ops<T> ops, T x) {
        return switch (this) {
            case LINEAR -> x;
            case RELU -> ops.relu(x);
            case SIGMOID -> ops.sigmoid(x);
            case TANH -> ops.tanh(x);
            case SOFTMAX -> ops.softmax(x);
            case RELU6 -> ops.minimum(ops.relu(x), ops.constant(6));
            case ELU -> elu(ops, x, 1);
            case SELU -> ops.multiply(elu(ops, x, SELU_ALPHA), ops.constant((float) SELU_SCALE));
            case GELU -> ops.multiply(ops.multiply(x, ops.constant(0.5f)),
                    ops.add(ops.constant(1), ops.erf(ops.multiply(x, ops.constant((float) SQRT_HALF)))));
            case SILU -> ops.multiply(x, ops.sigmoid(x));
            case HARD_SIGMOID -> ops.divide(ops.minimum(ops.relu(ops.add(x, ops.constant(3))), ops.constant(6)),
                    ops.constant(6));
            case HARD_SIGMOID_KERAS2 -> ops.maximum(ops.minimum(
                    ops.add(ops.multiply(x, ops.constant(0.2f)), ops.constant(0.5f)), ops.constant(1)),
                    ops.constant(0));
            // max(x, 0) + log(1 + exp(-|x|)): exp never sees a large positive argument.
            case SOFTPLUS -> ops.add(ops.relu(x),
                    ops.log(ops.add(ops.constant(1), ops.exp(ops.negative(abs(ops, x))))));
            case SOFTSIGN -> ops.divide(x, ops.add(ops.constant(1), abs(ops, x)));
        };
    }

    /**
     * Keras's {@code elu(x, alpha)}: {@code x} where {@code x > 0}, else {@code alpha (exp(x) - 1)}. The
     * exponential only sees {@code min(x, 0)}, so a large positive input cannot overflow it.
     */
    static <T> T elu(Ops<T> ops, T x, double alpha) {
        T negativePart = ops.subtract(ops.exp(ops.minimum(x, ops.constant(0))), ops.constant(1));
        if (alpha != 1) {
            negativePart = ops.multiply(negativePart, ops.constant((float) alpha));
        }
        return ops.add(ops.relu(x), negativePart);
    }

    /**
     * Keras's {@code relu(x) - slope * relu(-x)}: {@code x} where {@code x >= 0}, else {@code slope * x},
     * for any slope (TensorFlow's {@code leaky_relu} takes the larger of {@code x} and {@code slope * x},
     * which only equals it for slopes up to 1).
     */
    static <T> T leakyRelu(Ops<T> ops, T x, T slope) {
        return ops.subtract(ops.relu(x), ops.multiply(slope, ops.relu(ops.negative(x))));
    }

    private static <T> T abs(Ops<T> ops, T x) {
        return ops.maximum(x, ops.negative(x));
    }

    /** The name Keras 3 writes: {@code silu} for swish, {@code hard_sigmoid} for both hard sigmoids. */
    public String kerasName() {
        return this == HARD_SIGMOID_KERAS2 ? "hard_sigmoid" : name().toLowerCase(Locale.ROOT);
    }

    /** The function Keras 3 means by {@code name}; Keras 2's {@code swish} is read as {@link #SILU}. */
    public static ActivationFunction fromKeras(String name) {
        return fromKeras(name, false);
    }

    /**
     * The function {@code name} means in a config Keras 2 ({@code keras2}) or Keras 3 wrote; the two only
     * differ on {@code hard_sigmoid}.
     */
    public static ActivationFunction fromKeras(String name, boolean keras2) {
        if ("swish".equals(name)) {
            return SILU;
        }
        if (HARD_SIGMOID.kerasName().equals(name)) {
            return keras2 ? HARD_SIGMOID_KERAS2 : HARD_SIGMOID;
        }
        for (ActivationFunction f : values()) {
            if (f.kerasName().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown activation '" + name + "', expected one of "
                + Arrays.stream(values()).map(ActivationFunction::kerasName).distinct()
                        .collect(Collectors.joining(", ")) + " (or swish)");
    }
}
