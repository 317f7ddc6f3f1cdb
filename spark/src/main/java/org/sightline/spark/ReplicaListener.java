package org.sightline.spark;

import java.io.Serializable;

/**
 * Called on the executor at the start of every replica task, before the replica trains: a place to log
 * or count per-replica progress, or to check the executor's environment. It runs inside the task, so
 * an exception it throws fails that task attempt and Spark retries it from the round's broadcast state,
 * as for any other task failure. Serialized with every round's tasks: keep it small.
 */
@FunctionalInterface
public interface ReplicaListener extends Serializable {

    /** A listener that does nothing. */
    ReplicaListener NONE = (epoch, round, partition) -> { };

    /**
     * @param epoch     the epoch, counted from 0
     * @param round     the round, counted from 0 over the whole run (epochs included)
     * @param partition the replica: the index of its partition of the training data
     */
    void onReplicaStart(int epoch, long round, int partition);
}
