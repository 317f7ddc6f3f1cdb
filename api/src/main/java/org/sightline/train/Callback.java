package org.sightline.train;

/**
 * Hooks into {@link Model#fit}, as Keras's callbacks: progress output, history, CSV log,
 * checkpoints, early stopping and NaN detection are each one small class behind this interface,
 * shared by every backend.
 */
public interface Callback {

    default void onTrainBegin(TrainingRun run) {
    }

    default void onEpochBegin(TrainingRun run, int epoch) {
    }

    /**
     * After each training batch, with running means over the epoch so far.
     *
     * @param step       one-based step within the epoch
     * @param batchLoss  the mean loss of this batch alone
     */
    default void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss, double runningAccuracy) {
    }

    default void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
    }

    default void onTrainEnd(TrainingRun run) {
    }
}
