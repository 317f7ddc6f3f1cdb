package org.sightline.spark;

import java.io.Serializable;

/**
 * The sum of the states the replicas return in one round, plus what they measured, merged pairwise
 * by Spark's {@code treeAggregate}: each merge adds float arrays of one state's size, so a round moves
 * about one state per replica towards the driver however many replicas there are. {@link #average()}
 * divides by the number of replicas that trained: weights, batch-norm moving statistics and Adam's
 * moments are all averaged alike, as dl4j-spark's parameter-averaging master does.
 *
 * <p>Float addition is not associative: with more than two replicas the tree may add them in the order
 * their tasks finish, so two runs can differ in the last bits. With two replicas the sum is exact
 * and order-free.
 */
final class ParameterAveraging implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The first state added, used as the layout (names, shapes, which are weights) of the sum. */
    private ReplicaState layout;
    private float[][] sums;
    private long iterationSum;
    private int replicas;
    private double lossSum;
    private long correct;
    private long seen;

    /** An empty sum: the zero of the aggregation. */
    ParameterAveraging() {
    }

    /**
     * Adds one replica's state after it trained on {@code seen} images with mean loss {@code lossSum / seen};
     * a replica that had no batch left this round ({@code seen == 0}) is not averaged in.
     */
    ParameterAveraging add(ReplicaState state, double replicaLossSum, long replicaCorrect, long replicaSeen) {
        lossSum += replicaLossSum;
        correct += replicaCorrect;
        seen += replicaSeen;
        if (replicaSeen == 0) {
            return this;
        }
        if (layout == null) {
            layout = state;
            sums = new float[state.tensorCount()][];
            for (int i = 0; i < sums.length; i++) {
                sums[i] = state.values(i).clone();
            }
        } else {
            for (int i = 0; i < sums.length; i++) {
                addInto(sums[i], state.values(i));
            }
        }
        iterationSum += state.iterations();
        replicas++;
        return this;
    }

    /** Adds {@code other} into this sum; the aggregation's combine step. */
    ParameterAveraging merge(ParameterAveraging other) {
        lossSum += other.lossSum;
        correct += other.correct;
        seen += other.seen;
        if (other.replicas == 0) {
            return this;
        }
        if (replicas == 0) {
            layout = other.layout;
            sums = other.sums;
        } else {
            for (int i = 0; i < sums.length; i++) {
                addInto(sums[i], other.sums[i]);
            }
        }
        iterationSum += other.iterationSum;
        replicas += other.replicas;
        return this;
    }

    private static void addInto(float[] target, float[] values) {
        for (int j = 0; j < target.length; j++) {
            target[j] += values[j];
        }
    }

    /** The mean state of the replicas that trained; the step count is their mean, rounded. */
    ReplicaState average() {
        if (replicas == 0) {
            throw new IllegalStateException("No replica trained in this round: nothing to average");
        }
        float[][] means = new float[sums.length][];
        for (int i = 0; i < sums.length; i++) {
            float[] mean = new float[sums[i].length];
            for (int j = 0; j < mean.length; j++) {
                mean[j] = sums[i][j] / replicas;
            }
            means[i] = mean;
        }
        String[] names = new String[sums.length];
        int[][] shapes = new int[sums.length][];
        for (int i = 0; i < sums.length; i++) {
            names[i] = layout.name(i);
            shapes[i] = layout.shape(i);
        }
        return new ReplicaState(names, shapes, means, layout.weightCount(),
                Math.round(iterationSum / (double) replicas));
    }

    int replicas() {
        return replicas;
    }

    double lossSum() {
        return lossSum;
    }

    long correct() {
        return correct;
    }

    long seen() {
        return seen;
    }
}
