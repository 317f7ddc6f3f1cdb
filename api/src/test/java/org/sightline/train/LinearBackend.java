package org.sightline.train;

import org.sightline.compile.Adam;
import org.sightline.compile.OptimizerState;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.sightline.data.Batch;
import org.sightline.model.ActivationFunction;
import org.sightline.model.Activation;
import org.sightline.model.Dense;
import org.sightline.model.FloatTensor;
import org.sightline.model.Flatten;
import org.sightline.model.Layer;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Capability;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/**
 * A real, pure-Java backend for softmax regression ({@code Flatten, Dense, softmax}) trained with
 * Adam, so the api's training loop, callbacks and checkpoints are tested without a native engine.
 * Registered for api tests only; the test-jar leaves its service file out.
 */
public final class LinearBackend implements Backend {

    @Override
    public String name() {
        return "linear-test";
    }

    @Override
    public int rank() {
        return 1;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.TRAIN, Capability.INFER);
    }

    @Override
    public ModelEngine createEngine(EngineRequest request) {
        if (request.isTraining()) {
            require(Capability.TRAIN, "train");
        }
        return new Engine(request);
    }

    /** Softmax regression with Adam, Keras's update rule. */
    static final class Engine implements ModelEngine {
        private final String prefix;
        private final int inputs;
        private final int classes;
        private final Adam adam;
        private float[] kernel;
        private float[] bias;
        private float[] kernelM;
        private float[] kernelV;
        private float[] biasM;
        private float[] biasV;
        private long iterations;
        private boolean closed;

        Engine(EngineRequest request) {
            Network model = request.model();
            List<Layer> layers = model.layers();
            boolean supported = layers.size() >= 2 && layers.get(0) instanceof Flatten
                    && layers.get(1) instanceof Dense dense && dense.useBias()
                    && (layers.size() == 2 && dense.activation() == ActivationFunction.SOFTMAX
                            || layers.size() == 3 && layers.get(2) instanceof Activation a
                                    && a.function() == ActivationFunction.SOFTMAX);
            if (!supported) {
                throw new IllegalArgumentException("linear-test supports Flatten, Dense, softmax only");
            }
            prefix = layers.get(1).name();
            inputs = model.inputShape().size();
            classes = model.numClasses();
            adam = request.training().map(o -> (Adam) o.optimizer()).orElse(Adam.defaults());
            setWeights(request.weights());
            kernelM = new float[inputs * classes];
            kernelV = new float[inputs * classes];
            biasM = new float[classes];
            biasV = new float[classes];
        }

        private float[] forward(float[] images, int count) {
            float[] out = new float[count * classes];
            for (int n = 0; n < count; n++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    double z = bias[c];
                    for (int i = 0; i < inputs; i++) {
                        z += images[n * inputs + i] * kernel[i * classes + c];
                    }
                    out[n * classes + c] = (float) z;
                    max = Math.max(max, z);
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    double e = Math.exp(out[n * classes + c] - max);
                    out[n * classes + c] = (float) e;
                    sum += e;
                }
                for (int c = 0; c < classes; c++) {
                    out[n * classes + c] /= (float) sum;
                }
            }
            return out;
        }

        @Override
        public BatchResult trainOnBatch(Batch batch) {
            checkOpen();
            float[] p = forward(batch.images(), batch.size());
            double loss = 0;
            int correct = 0;
            float[] gKernel = new float[kernel.length];
            float[] gBias = new float[classes];
            for (int n = 0; n < batch.size(); n++) {
                int label = batch.labels()[n];
                loss -= Math.log(Math.max(p[n * classes + label], 1e-7));
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    best = p[n * classes + c] > p[n * classes + best] ? c : best;
                }
                if (best == label) {
                    correct++;
                }
                for (int c = 0; c < classes; c++) {
                    float g = (p[n * classes + c] - batch.oneHot()[n * classes + c]) / batch.size();
                    gBias[c] += g;
                    for (int i = 0; i < inputs; i++) {
                        gKernel[i * classes + c] += g * batch.images()[n * inputs + i];
                    }
                }
            }
            iterations++;
            double lrT = adam.learningRate() * Math.sqrt(1 - Math.pow(adam.beta2(), iterations))
                    / (1 - Math.pow(adam.beta1(), iterations));
            step(kernel, gKernel, kernelM, kernelV, lrT);
            step(bias, gBias, biasM, biasV, lrT);
            return new BatchResult(loss / batch.size(), correct, batch.size());
        }

        private void step(float[] w, float[] g, float[] m, float[] v, double lrT) {
            for (int i = 0; i < w.length; i++) {
                m[i] = (float) (adam.beta1() * m[i] + (1 - adam.beta1()) * g[i]);
                v[i] = (float) (adam.beta2() * v[i] + (1 - adam.beta2()) * g[i] * g[i]);
                w[i] -= (float) (lrT * m[i] / (Math.sqrt(v[i]) + adam.epsilon()));
            }
        }

        @Override
        public float[] predict(float[] images, int count) {
            checkOpen();
            return forward(images, count);
        }

        @Override
        public Weights weights() {
            return Weights.builder()
                    .put(prefix + "/kernel", FloatTensor.of(new int[] {inputs, classes}, kernel))
                    .put(prefix + "/bias", FloatTensor.of(new int[] {classes}, bias))
                    .build();
        }

        @Override
        public void setWeights(Weights weights) {
            kernel = weights.get(prefix + "/kernel").toArray();
            bias = weights.get(prefix + "/bias").toArray();
        }

        @Override
        public OptimizerState optimizerState() {
            return new OptimizerState(iterations, Weights.builder()
                    .put(prefix + "/kernel/m", FloatTensor.of(new int[] {inputs, classes}, kernelM))
                    .put(prefix + "/kernel/v", FloatTensor.of(new int[] {inputs, classes}, kernelV))
                    .put(prefix + "/bias/m", FloatTensor.of(new int[] {classes}, biasM))
                    .put(prefix + "/bias/v", FloatTensor.of(new int[] {classes}, biasV))
                    .build());
        }

        @Override
        public void setOptimizerState(OptimizerState state) {
            iterations = state.iterations();
            kernelM = state.slots().get(prefix + "/kernel/m").toArray();
            kernelV = state.slots().get(prefix + "/kernel/v").toArray();
            biasM = state.slots().get(prefix + "/bias/m").toArray();
            biasV = state.slots().get(prefix + "/bias/v").toArray();
        }

        private void checkOpen() {
            if (closed) {
                throw new IllegalStateException("engine closed");
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
