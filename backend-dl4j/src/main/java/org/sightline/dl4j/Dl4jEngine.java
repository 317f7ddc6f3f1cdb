package org.sightline.dl4j;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sightline.data.Batch;
import org.sightline.model.Constraint;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelWeight;
import org.sightline.model.Sequential;
import org.sightline.model.Weights;
import org.sightline.spi.BatchResult;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Loss;
import org.sightline.compile.OptimizerState;

/**
 * A {@link Sequential} running on libnd4j as a compiled {@link Network}. A training step runs the
 * network forward and backward, folds the batch-norm statistics into the moving ones, then applies
 * Adam ({@link KerasAdam}) and the kernel constraints, all in place: Keras's order. Weights live in ND4J
 * arrays in Keras layout and names, so {@link #weights()} and {@link #setWeights} copy without
 * reordering. The engine owns every native array it uses and frees them in {@link #close()}.
 *
 * <p>Threads: {@link #predict}, {@link #weights()} and {@link #optimizerState()} run on many threads at
 * once. A training step, {@link #setWeights}, {@link #setOptimizerState} and {@link #close()} change
 * arrays in place or free them, so each waits for the calls in flight and holds the others off until it
 * is done: a prediction during {@code fit} sees the weights between two whole steps, never half a step
 * or freed memory.
 */
final class Dl4jEngine implements ModelEngine {
    private final Sequential model;
    private final Map<String, INDArray> weights = new LinkedHashMap<>();
    private final Map<String, Constraint> constraints = new HashMap<>();
    private final Network network;
    private final KerasAdam adam;
    /** Read: calls that only read the arrays. Write: calls that change or free them. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    Dl4jEngine(EngineRequest request, ImageLayout layout) {
        this.model = request.model();
        model.numClasses(); // fails early, naming the model, if the output is not a class vector
        CompileOptions options = request.training().orElse(null);
        if (options != null && !options.loss().equals(Loss.CATEGORICAL_CROSSENTROPY)) {
            throw new IllegalArgumentException("The dl4j backend supports loss categorical_crossentropy, got "
                    + options.loss().kerasName());
        }
        Network built = null;
        KerasAdam optimizer = null;
        try {
            Map<String, INDArray> trainable = new LinkedHashMap<>();
            for (ModelWeight weight : model.weights()) {
                INDArray array = NdArrays.create(request.weights().get(weight.key()));
                weights.put(weight.key(), array);
                if (weight.spec().trainable()) {
                    trainable.put(weight.key(), array);
                    constraints.put(weight.key(), weight.spec().constraint());
                }
            }
            built = new Network(model, weights, layout, options != null, request.seed());
            if (options != null) {
                optimizer = new KerasAdam((Adam) options.optimizer(), trainable);
            }
        } catch (RuntimeException e) {
            if (built != null) {
                built.close();
            }
            weights.values().forEach(INDArray::close);
            throw e;
        }
        this.network = built;
        this.adam = optimizer;
    }

    @Override
    public BatchResult trainOnBatch(Batch batch) {
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            Network.Outcome outcome = runBackward(batch);
            network.updateMovingStatistics(batch.size());
            network.gradients().forEach((name, gradient) -> adam.apply(name, weights.get(name), gradient));
            adam.finishStep();
            constraints.forEach((name, constraint) -> WeightConstraints.apply(constraint, weights.get(name)));
            return new BatchResult(outcome.loss(), outcome.correct(), batch.size());
        } finally {
            writing.unlock();
        }
    }

    /**
     * The loss's gradient for every trainable weight on {@code batch} (Keras names and layout), leaving
     * weights, moments and statistics as they are; dropout masks are drawn as for a step. For tests.
     */
    Map<String, FloatTensor> gradients(Batch batch) {
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            runBackward(batch);
            Map<String, FloatTensor> gradients = new LinkedHashMap<>();
            network.gradients().forEach((name, gradient) -> gradients.put(name, NdArrays.toTensor(gradient)));
            return gradients;
        } finally {
            writing.unlock();
        }
    }

    private Network.Outcome runBackward(Batch batch) {
        checkOpen();
        if (adam == null) {
            throw new IllegalStateException("Engine for model '" + model.name() + "' was built for inference only");
        }
        if (batch.numClasses() != model.numClasses()) {
            throw new IllegalArgumentException("Batch has " + batch.numClasses() + " classes, model '" + model.name()
                    + "' has " + model.numClasses());
        }
        return network.forwardBackward(batch);
    }

    @Override
    public float[] predict(float[] images, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("predict needs at least one image, got count " + count);
        }
        Lock reading = lock.readLock();
        reading.lock();
        try {
            checkOpen();
            return network.predict(images, count);
        } finally {
            reading.unlock();
        }
    }

    @Override
    public Weights weights() {
        Lock reading = lock.readLock();
        reading.lock();
        try {
            checkOpen();
            Weights.Builder builder = Weights.builder();
            weights.forEach((name, array) -> builder.put(name, NdArrays.toTensor(array)));
            return builder.build();
        } finally {
            reading.unlock();
        }
    }

    @Override
    public void setWeights(Weights newWeights) {
        model.requireCompatible(newWeights, "setWeights");
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            checkOpen();
            weights.forEach((name, array) -> NdArrays.copyInto(newWeights.get(name), array));
        } finally {
            writing.unlock();
        }
    }

    @Override
    public OptimizerState optimizerState() {
        Lock reading = lock.readLock();
        reading.lock();
        try {
            checkOpen();
            return requireTraining().state();
        } finally {
            reading.unlock();
        }
    }

    @Override
    public void setOptimizerState(OptimizerState state) {
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            checkOpen();
            requireTraining().restore(state);
        } finally {
            writing.unlock();
        }
    }

    private KerasAdam requireTraining() {
        if (adam == null) {
            throw new IllegalStateException("Engine for model '" + model.name()
                    + "' was built for inference only: it has no optimizer state");
        }
        return adam;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The dl4j engine for model '" + model.name() + "' is closed");
        }
    }

    @Override
    public void close() {
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            network.close();
            if (adam != null) {
                adam.close();
            }
            weights.values().forEach(INDArray::close);
        } finally {
            writing.unlock();
        }
    }
}
