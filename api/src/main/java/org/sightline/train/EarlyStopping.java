package org.sightline.train;

import java.util.Locale;
import org.sightline.model.Weights;

/**
 * Keras's {@code EarlyStopping}: stops {@code fit} when {@code monitor} has not improved by more than
 * {@code minDelta} for {@code patience} epochs; optionally restores the best epoch's weights.
 * Restoring needs weights kept in memory (one copy of the model) and a way to put them back, so it
 * works through {@link Model#restoreWeights}.
 */
public final class EarlyStopping implements Callback {
    private final Monitor monitor;
    private final int patience;
    private final double minDelta;
    private final boolean restoreBestWeights;
    private double best;
    private int wait;
    private Weights bestWeights;

    public EarlyStopping(Monitor monitor, int patience, double minDelta, boolean restoreBestWeights) {
        if (patience < 0) {
            throw new IllegalArgumentException("EarlyStopping.patience must be >= 0, got " + patience);
        }
        if (minDelta < 0) {
            throw new IllegalArgumentException("EarlyStopping.min_delta must be >= 0, got " + minDelta);
        }
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.restoreBestWeights = restoreBestWeights;
    }

    @Override
    public void onTrainBegin(TrainingRun run) {
        best = monitor.worst();
        wait = 0;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
        double value = metrics.value(monitor);
        if (monitor.improves(value, best, minDelta)) {
            best = value;
            wait = 0;
            if (restoreBestWeights) {
                bestWeights = run.model().toSavedModel().weights();
            }
            return;
        }
        wait++;
        if (wait > patience) {
            run.stopTraining(String.format(Locale.ROOT,
                    "early stopping: %s did not improve for %d epochs (best %.4f)", monitor.kerasName(), wait, best));
        }
    }

    @Override
    public void onTrainEnd(TrainingRun run) {
        if (restoreBestWeights && bestWeights != null && run.isStopRequested()) {
            run.model().restoreWeights(bestWeights);
        }
    }
}
