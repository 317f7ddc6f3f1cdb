package org.sightline.spark;

import java.io.Serializable;
import org.sightline.spi.BatchResult;

/**
 * Called on the executors inside every replica task: a place to log or count per-replica progress, or
 * to check the executor's environment. It runs inside the task, so an exception it throws fails that
 * task attempt and Spark retries it from the round's broadcast state, as for any other task failure.
 * Serialized with every round's tasks: keep it small.
 */
public interface ReplicaListener extends Serializable {

    /** A listener that does nothing. */
    ReplicaListener NONE = new ReplicaListener() {
        private static final long serialVersionUID = 1L;
    };

    /**
     * @param epoch     the epoch, counted from 0
     * @param round     the round, counted from 0 over the whole run (epochs included)
     * @param partition the replica: the index of its partition of the training data
     */
    default void onReplicaStart(int epoch, long round, int partition) {
    }

    /**
     * After each training step of a replica.
     *
     * @param step   the step within the round, counted from 0
     * @param result the step's mean loss and correct predictions
     */
    default void onStep(int epoch, long round, int partition, int step, BatchResult result) {
    }
}
