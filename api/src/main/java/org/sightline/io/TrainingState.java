package org.sightline.io;

import java.util.Objects;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;

/**
 * What a checkpoint adds to a model file so that {@code fit} can resume: the compile options, the
 * optimizer's state and the number of epochs completed.
 */
public record TrainingState(CompileOptions compileOptions, OptimizerState optimizer, int epochsCompleted) {

    public TrainingState {
        Objects.requireNonNull(compileOptions, "TrainingState.compileOptions");
        Objects.requireNonNull(optimizer, "TrainingState.optimizer");
        if (epochsCompleted < 0) {
            throw new IllegalArgumentException("TrainingState.epochsCompleted must be >= 0, got " + epochsCompleted);
        }
    }
}
