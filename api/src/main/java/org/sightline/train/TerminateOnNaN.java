package org.sightline.train;

import java.util.OptionalDouble;

/**
 * Keras's {@code TerminateOnNaN}: stops {@code fit} at the first batch whose loss is NaN or infinite,
 * and also at the end of an epoch whose validation loss is (the epoch's last update can break the
 * weights after every batch loss was finite). This fails the run ({@link History#isFailed()}): the
 * epoch is not counted, so no checkpoint of the broken weights is written, and the caller should not
 * save them. Put it before {@link ModelCheckpoint} and {@link CsvLogger}: once it fails the run at an
 * epoch's end, {@code fit} calls no later callback for that epoch.
 */
public final class TerminateOnNaN implements Callback {

    @Override
    public void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss, double runningAccuracy) {
        if (!Double.isFinite(batchLoss)) {
            run.failTraining("loss became " + batchLoss + " at step " + step + " of epoch "
                    + (run.model().epochsCompleted() + 1));
        }
    }

    @Override
    public void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
        OptionalDouble validationLoss = metrics.validationLoss();
        if (validationLoss.isPresent() && !Double.isFinite(validationLoss.getAsDouble())) {
            run.failTraining("val_loss became " + validationLoss.getAsDouble() + " in epoch " + (metrics.epoch() + 1));
        }
    }
}
