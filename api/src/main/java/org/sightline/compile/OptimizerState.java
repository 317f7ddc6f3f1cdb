package org.sightline.compile;

import java.util.Objects;
import org.sightline.model.Weights;

/**
 * The optimizer's memory, backend-neutral, so a checkpoint resumes on any backend. For Adam:
 * {@code slots} holds {@code <weight>/m} and {@code <weight>/v} (first and second moments, in the
 * weight's Keras layout) for every trainable weight, and {@code iterations} counts steps taken.
 */
public record OptimizerState(long iterations, Weights slots) {

    public static final String FIRST_MOMENT = "m";
    public static final String SECOND_MOMENT = "v";

    public OptimizerState {
        if (iterations < 0) {
            throw new IllegalArgumentException("OptimizerState.iterations must be >= 0, got " + iterations);
        }
        Objects.requireNonNull(slots, "OptimizerState.slots");
    }

    public static String slotName(String weightName, String slot) {
        return weightName + "/" + slot;
    }
}
