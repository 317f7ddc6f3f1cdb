package org.sightline.train;

/**
 * What callbacks see of a running {@code fit}: the model (to save it), the plan, and a way to stop.
 */
public interface TrainingRun {

    Model model();

    /** Total epochs {@code fit} aims for, counting epochs completed before a resume. */
    int epochs();

    /** Batches per training epoch. */
    int stepsPerEpoch();

    /** Asks {@code fit} to stop after the current batch, as Keras's {@code model.stop_training = True}. */
    void stopTraining(String reason);

    boolean isStopRequested();

    /**
     * Asks {@code fit} to stop after the current batch because training failed (a non-finite loss):
     * the epoch in progress is not counted and no callback sees its end, so no checkpoint or history
     * row of the broken weights is written. {@link History#isFailed()} then reports it.
     */
    void failTraining(String reason);

    /** True once {@link #failTraining} was called: the run failed, as opposed to stopping early. */
    boolean isFailed();

    /** Why training was asked to stop, or null while it runs to the end. */
    String stopReason();
}
