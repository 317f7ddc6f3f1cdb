package org.sightline.onnx;

import org.sightline.data.Batch;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Capability;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.compile.OptimizerState;

/**
 * A model exported to ONNX and loaded in one ONNX Runtime session, shared by all threads. Inference
 * only: everything about training is refused with {@link UnsupportedCapabilityException}.
 */
final class OnnxEngine implements ModelEngine {
    private final Backend backend;
    private final Network model;
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

    private UnsupportedCapabilityException refuse(String what) {
        return new UnsupportedCapabilityException(backend, Capability.TRAIN, what);
    }
}
