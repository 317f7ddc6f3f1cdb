package org.sightline.spark;

/**
 * Data-parallel training on Spark stopped because the model broke (a loss or weight that is not a
 * finite number). The epoch in progress is not saved: a checkpoint file already on disk is left as it
 * was.
 */
public final class SparkTrainingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SparkTrainingException(String message) {
        super(message);
    }
}
