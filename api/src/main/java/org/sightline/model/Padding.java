package org.sightline.model;

import java.util.Locale;

/** Keras padding modes for convolution and pooling. */
public enum Padding {
    /** No padding: the window must fit inside the input. */
    VALID,
    /** Zero padding so that output size is {@code ceil(input / stride)}. */
    SAME;

    public String kerasName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Padding fromKeras(String name) {
        for (Padding p : values()) {
            if (p.kerasName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown padding '" + name + "', expected 'valid' or 'same'");
    }

    /** Output length of a window of {@code window} with {@code stride} over {@code input} values. */
    int outputLength(int input, int window, int stride, String where) {
        // In long: input + stride - 1 overflows an int for the largest inputs.
        int out = this == SAME ? (int) (((long) input + stride - 1) / stride) : (input - window) / stride + 1;
        if (out <= 0 || (this == VALID && input < window)) {
            throw new IllegalArgumentException(where + ": window " + window + " does not fit input size " + input
                    + " with padding 'valid'");
        }
        return out;
    }
}
