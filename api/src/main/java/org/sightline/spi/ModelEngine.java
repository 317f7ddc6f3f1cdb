package org.sightline.spi;

import org.sightline.data.Batch;
import org.sightline.model.Weights;
import org.sightline.train.OptimizerState;

/**
 * One model translated into a backend's own graph or network, holding its native memory until
 * {@link #close()}. The api's {@code Model} drives it (epochs, batching, callbacks, and evaluation
 * metrics computed from {@link #predict} so that every backend is measured the same way); the engine
 * only runs batches. Implementations must free every per-batch native tensor before returning.
 */
public interface ModelEngine extends AutoCloseable {

    /** One optimizer step on {@code batch} (dropout on, batch-norm on batch statistics). */
    BatchResult trainOnBatch(Batch batch);

    /**
     * Class probabilities for {@code count} images given as floats NHWC (already scaled), row-major
     * {@code [count, numClasses]}.
     */
    float[] predict(float[] images, int count);

    /** The current weights, Keras layout and names. */
    Weights weights();

    /** Replaces all weights (names and shapes as the model declares). */
    void setWeights(Weights weights);

    /** The optimizer's state; only for engines built for training. */
    OptimizerState optimizerState();

    /** Restores the optimizer's state, e.g. when resuming from a checkpoint. */
    void setOptimizerState(OptimizerState state);

    /** Frees all native resources; the engine is unusable afterwards. */
    @Override
    void close();
}
