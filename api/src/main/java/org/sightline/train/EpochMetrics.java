package org.sightline.train;

import org.sightline.compile.Metric;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What one epoch of {@code fit} measured: training loss and accuracy (means over the epoch's
 * batches, as Keras reports them) and, with validation data, validation loss and accuracy.
 *
 * @param epoch zero-based epoch index (Keras prints {@code epoch + 1})
 */
public record EpochMetrics(int epoch, double loss, double accuracy, OptionalDouble validationLoss,
        OptionalDouble validationAccuracy, Duration duration) {

    public EpochMetrics {
        Objects.requireNonNull(validationLoss, "validationLoss");
        Objects.requireNonNull(validationAccuracy, "validationAccuracy");
        Objects.requireNonNull(duration, "duration");
    }

    /** The value of {@code monitor} in this epoch; throws if it was not measured. */
    public double value(Monitor monitor) {
        return switch (monitor) {
            case LOSS -> loss;
            case ACCURACY -> accuracy;
            case VAL_LOSS -> validationLoss.orElseThrow(() -> missing(monitor));
            case VAL_ACCURACY -> validationAccuracy.orElseThrow(() -> missing(monitor));
        };
    }

    private static IllegalStateException missing(Monitor monitor) {
        return new IllegalStateException("Metric " + monitor.kerasName() + " needs validation data in fit");
    }

    /** Keras's log fragment: {@code loss: 1.2345 - accuracy: 0.5612 - val_loss: … - val_accuracy: …}. */
    public String format() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "loss: %.4f - accuracy: %.4f", loss, accuracy));
        validationLoss.ifPresent(v -> s.append(String.format(Locale.ROOT, " - val_loss: %.4f", v)));
        validationAccuracy.ifPresent(v -> s.append(String.format(Locale.ROOT, " - val_accuracy: %.4f", v)));
        return s.toString();
    }
}
