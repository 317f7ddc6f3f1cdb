package org.sightline.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.sightline.ops.Ops;

/** The element-wise (or, for softmax, per-example) activations Sightline supports, by Keras name. */
public enum ActivationFunction {
    LINEAR,
    RELU,
    SIGMOID,
    TANH,
    SOFTMAX;

    /** The function applied to {@code x}; softmax over the last axis. */
    public <T> T apply(Ops<T> ops, T x) {
        return switch (this) {
            case LINEAR -> x;
            case RELU -> ops.relu(x);
            case SIGMOID -> ops.sigmoid(x);
            case TANH -> ops.tanh(x);
            case SOFTMAX -> ops.softmax(x);
        };
    }

    public String kerasName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ActivationFunction fromKeras(String name) {
        for (ActivationFunction f : values()) {
            if (f.kerasName().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown activation '" + name + "', expected one of "
                + Arrays.stream(values()).map(ActivationFunction::kerasName).collect(Collectors.joining(", ")));
    }
}
