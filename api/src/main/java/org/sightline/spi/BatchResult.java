package org.sightline.spi;

/**
 * What a backend reports for one batch: the mean loss over the batch and how many examples it
 * classified correctly.
 */
public record BatchResult(double meanLoss, int correct, int count) {

    public BatchResult {
        if (count < 0 || correct < 0 || correct > count) {
            throw new IllegalArgumentException("BatchResult needs 0 <= correct <= count, got " + correct + " of "
                    + count);
        }
    }
}
