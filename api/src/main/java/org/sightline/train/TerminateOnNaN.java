package org.sightline.train;

/**
 * Keras's {@code TerminateOnNaN}: stops {@code fit} at the first batch whose loss is NaN or infinite.
 * This fails the run ({@link History#isFailed()}): the epoch in progress is not counted, so no
 * checkpoint or history row of the broken weights is written, and the caller should not save them.
 */
public final class TerminateOnNaN implements Callback {

    @Override
    public void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss, double runningAccuracy) {
        if (Double.isNaN(batchLoss) || Double.isInfinite(batchLoss)) {
            run.failTraining("loss became " + batchLoss + " at step " + step + " of epoch "
                    + (run.model().epochsCompleted() + 1));
        }
    }
}
