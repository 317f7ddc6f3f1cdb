package org.sightline.spi;

import org.sightline.data.Batch;
import org.sightline.model.Weights;
import org.sightline.compile.OptimizerState;

/**
 * One model translated into a backend's own graph or network, holding its native memory until
 * {@link #close()}. The api's {@code Model} drives it (epochs, batching, callbacks, and evaluation
 * metrics computed from {@link #predict} so that every backend is measured the same way); the engine
 * only runs batches. Implementations must free every per-batch native tensor before returning.
 *
 * <p>Threads, what every engine guarantees (the conformance kit checks the first point with 8 threads
 * x 200 predictions of mixed batch sizes, and the last):
 * <ul>
 * <li>{@link #predict} and {@link #weights()} may be called from many threads at once, and each call
 * returns what it would alone (probabilities within 1e-6). Keep what a call writes (input buffers,
 * activations) per call or in a pool, never in one field that calls share; lock only what cannot be
 * shared.</li>
 * <li>{@link #trainOnBatch}, {@link #setWeights} and {@link #setOptimizerState} come from one thread at
 * a time ({@code Model.fit}), but predictions may run meanwhile: they must neither crash nor corrupt
 * the engine, and see the weights of a whole step where the backend can ensure it.</li>
 * <li>{@link #close()} never frees memory a call in flight uses: it waits for those calls, and later
 * calls fail with {@link IllegalStateException}.</li>
 * </ul>
 *
 * <p>Failures: bad arguments throw {@link IllegalArgumentException}; a failure of the native engine
 * itself (TensorFlow, ND4J, ONNX Runtime) throws {@link EngineException}, naming the backend and what
 * it was doing, with the native exception as cause.
 */
public interface ModelEngine extends AutoCloseable {

    /** One optimizer step on {@code batch} (dropout on, batch-norm on batch statistics). */
    BatchResult trainOnBatch(Batch batch);

    /**
     * The model's output for {@code count} images given as floats NHWC (already scaled), row-major
     * {@code [count, output size]}: class probabilities for a classifier, but any output shape works.
     * Called from many threads at once.
     */
    float[] predict(float[] images, int count);

    /**
     * The model's output on {@code count} images and the gradients of the scalar
     * {@code sum(output * outputWeights)} with respect to the images and every trainable weight, with
     * the layers in training mode (batch statistics, dropout on) or not. Changes no weight, statistic
     * or optimizer state. The conformance kit compares this with the pure-Java reference, layer by
     * layer; engines built for training implement it.
     *
     * @param outputWeights one value per output value, {@code [count, output size]}
     */
    default LossGradients lossGradients(float[] images, int count, float[] outputWeights, boolean training) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " computes no gradients");
    }

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
