package org.sightline.compile;

import org.sightline.ops.Ops;

/** Metrics reported beside the loss, by Keras name, written once over {@link Ops}. */
public enum Metric {
    /** Fraction of examples whose highest-probability class is the label. */
    ACCURACY("accuracy");

    private final String kerasName;

    Metric(String kerasName) {
        this.kerasName = kerasName;
    }

    public String kerasName() {
        return kerasName;
    }

    /**
     * How many examples of the batch the metric counts as right, a scalar: for accuracy, those whose
     * largest output is at the one-hot label's class.
     */
    public <T> T count(Ops<T> ops, T labels, T output) {
        return switch (this) {
            case ACCURACY -> ops.sum(ops.equal(ops.argmax(output, 1), ops.argmax(labels, 1)), new int[] {0}, false);
        };
    }
}
