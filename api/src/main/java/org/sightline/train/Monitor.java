package org.sightline.train;

/** A quantity that callbacks watch, with the direction in which it improves. */
public enum Monitor {
    LOSS("loss", false),
    ACCURACY("accuracy", true),
    VAL_LOSS("val_loss", false),
    VAL_ACCURACY("val_accuracy", true);

    private final String kerasName;
    private final boolean higherIsBetter;

    Monitor(String kerasName, boolean higherIsBetter) {
        this.kerasName = kerasName;
        this.higherIsBetter = higherIsBetter;
    }

    public String kerasName() {
        return kerasName;
    }

    /** Whether {@code candidate} beats {@code best} by more than {@code minDelta}. */
    public boolean improves(double candidate, double best, double minDelta) {
        return higherIsBetter ? candidate > best + minDelta : candidate < best - minDelta;
    }

    public double worst() {
        return higherIsBetter ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    public static Monitor fromKeras(String name) {
        for (Monitor m : values()) {
            if (m.kerasName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("Unknown monitor '" + name
                + "', expected loss, accuracy, val_loss or val_accuracy");
    }
}
