package org.sightline.onnx;

import java.util.Objects;

/**
 * One class of a prediction: its index in the model's output, its name and its probability.
 */
public record ClassScore(int index, String className, float probability) {

    public ClassScore {
        if (index < 0) {
            throw new IllegalArgumentException("ClassScore.index must be >= 0, got " + index);
        }
        Objects.requireNonNull(className, "ClassScore.className");
    }
}
