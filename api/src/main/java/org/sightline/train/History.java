package org.sightline.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The per-epoch metrics of a {@code fit}, as Keras's {@code History} returned by {@code model.fit}. */
public final class History implements Callback {
    private final List<EpochMetrics> epochs = new ArrayList<>();
    private String stopReason;
    private boolean failed;

    @Override
    public void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
        epochs.add(metrics);
    }

    @Override
    public void onTrainEnd(TrainingRun run) {
        stopReason = run.stopReason();
        failed = run.isFailed();
    }

    public List<EpochMetrics> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    public EpochMetrics last() {
        if (epochs.isEmpty()) {
            throw new IllegalStateException("No epoch has completed");
        }
        return epochs.get(epochs.size() - 1);
    }

    /** Why training stopped early (early stopping, NaN loss), or null if it ran all epochs. */
    public String stopReason() {
        return stopReason;
    }

    /**
     * True when training failed ({@link TrainingRun#failTraining}, e.g. the loss became NaN): the
     * weights are not worth saving. False when it ran all epochs or stopped early by choice
     * ({@link EarlyStopping}); {@link #stopReason()} says why in both cases.
     */
    public boolean isFailed() {
        return failed;
    }
}
