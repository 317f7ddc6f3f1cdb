package org.sightline.compile;

/** Metrics reported beside the loss, by Keras name. */
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
}
