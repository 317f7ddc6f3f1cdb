package org.sightline.onnx;

import org.sightline.data.Batch;
import org.sightline.model.Sequential;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Capability;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.train.OptimizerState;

/**
 * A model exported to ONNX and loaded in one ONNX Runtime session, shared by all threads. Inference
 * only: the loss and accuracy of {@link #testOnBatch} are computed in Java from the probabilities.
 */
final class OnnxEngine implements ModelEngine {
    /** Keras's {@code backend.epsilon()}, which bounds the probabilities inside the cross-entropy. */
    static final double KERAS_EPSILON = 1e-7;

    private final Backend backend;
    private final Sequential model;
    private final Weights weights;
    private final OnnxClassifier classifier;

    OnnxEngine(Backend backend, EngineRequest request, OnnxClassifier classifier) {
        this.backend = backend;
        this.model = request.model();
        this.weights = request.weights();
        this.classifier = classifier;
    }

    @Override
    public BatchResult trainOnBatch(Batch batch) {
        throw refuse("train model '" + model.name() + "'");
    }

    @Override
    public BatchResult testOnBatch(Batch batch) {
        if (batch.size() == 0) {
            return new BatchResult(0, 0, 0);
        }
        float[] probabilities = predict(batch.images(), batch.size());
        return crossEntropy(probabilities, batch.oneHot(), batch.labels(), model.numClasses());
    }

    @Override
    public float[] predict(float[] images, int count) {
        return classifier.predict(images, count, model.inputShape());
    }

    @Override
    public Weights weights() {
        return weights;
    }

    @Override
    public void setWeights(Weights newWeights) {
        throw refuse("change the weights of model '" + model.name() + "' (create a new engine instead)");
    }

    @Override
    public OptimizerState optimizerState() {
        throw refuse("give the optimizer state of model '" + model.name() + "'");
    }

    @Override
    public void setOptimizerState(OptimizerState state) {
        throw refuse("restore the optimizer state of model '" + model.name() + "'");
    }

    @Override
    public void close() {
        classifier.close();
    }

    /**
     * Keras's categorical cross-entropy on probabilities (each row rescaled to sum 1, then clipped to
     * [eps, 1 - eps]) averaged over the batch, and the count of rows whose first largest probability
     * is at the label, as Keras's accuracy.
     */
    static BatchResult crossEntropy(float[] probabilities, float[] oneHot, int[] labels, int classes) {
        int rows = labels.length;
        double total = 0;
        int correct = 0;
        for (int row = 0; row < rows; row++) {
            int offset = row * classes;
            double sum = 0;
            int best = 0;
            for (int c = 0; c < classes; c++) {
                sum += probabilities[offset + c];
                if (probabilities[offset + c] > probabilities[offset + best]) {
                    best = c;
                }
            }
            double loss = 0;
            for (int c = 0; c < classes; c++) {
                double target = oneHot[offset + c];
                if (target != 0) {
                    double p = Math.min(Math.max(probabilities[offset + c] / sum, KERAS_EPSILON), 1 - KERAS_EPSILON);
                    loss -= target * Math.log(p);
                }
            }
            total += loss;
            if (best == labels[row]) {
                correct++;
            }
        }
        return new BatchResult(total / rows, correct, rows);
    }

    private UnsupportedCapabilityException refuse(String what) {
        return new UnsupportedCapabilityException(backend, Capability.TRAIN, what);
    }
}
