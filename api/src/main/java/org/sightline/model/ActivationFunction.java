package org.sightline.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The element-wise (or, for softmax, per-example) activations Sightline supports, by Keras name. */
public enum ActivationFunction {
    LINEAR,
    RELU,
    SIGMOID,
    TANH,
    SOFTMAX;

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
