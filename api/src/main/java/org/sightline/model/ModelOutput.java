package org.sightline.model;

import java.util.Objects;
import java.util.Optional;

/**
 * A model's output tensor and, when the model ends with a softmax, the logits it was computed from
 * (Keras's {@code _keras_logits}): cross-entropy on the logits is exact where the probabilities round
 * to 0 or 1.
 *
 * @param <T> the backend's tensor
 */
public record ModelOutput<T>(T output, Optional<T> logits) {

    public ModelOutput {
        Objects.requireNonNull(output, "ModelOutput.output");
        Objects.requireNonNull(logits, "ModelOutput.logits");
    }
}
