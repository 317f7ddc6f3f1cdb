package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sightline.model.ActivationFunction.SOFTMAX;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;
import org.sightline.compile.Sgd;
import org.sightline.data.Batch;
import org.sightline.model.Dense;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/** Keras's SGD (plain, momentum, Nesterov) on a softmax classifier, against the update computed by hand. */
class SgdStepTest {
    private static final int IN = 3;
    private static final int UNITS = 4;

    @ParameterizedTest
    @CsvSource({"0.0, false", "0.9, false", "0.9, true"})
    void threeStepsAreKerasSgd(double momentum, boolean nesterov) {
        Sgd sgd = new Sgd(0.1, momentum, nesterov);
        Sequential model = Sequential.of(Shape.of(IN), Dense.of(UNITS).withActivation(SOFTMAX));
        Weights start = LayerParityTest.randomWeights(model, 4);
        Batch batch = Batch.random(Shape.of(IN), UNITS, 6, new SplittableRandom(5));
        float[] kernel = start.get("dense/kernel").toArray();
        float[] bias = start.get("dense/bias").toArray();
        float[] kernelVelocity = new float[kernel.length];
        float[] biasVelocity = new float[bias.length];
        try (ModelEngine engine = new TensorFlowBackend().createEngine(
                EngineRequest.training(model, start, CompileOptions.of(sgd), Device.cpu(), 0))) {
            for (int step = 1; step <= 3; step++) {
                double[] gKernel = new double[kernel.length];
                double[] gBias = new double[bias.length];
                double loss = gradients(batch, kernel, bias, gKernel, gBias);
                update(kernel, kernelVelocity, gKernel, sgd);
                update(bias, biasVelocity, gBias, sgd);

                BatchResult result = engine.trainOnBatch(batch);
                assertEquals(loss, result.meanLoss(), 1e-5, "loss of step " + step);
                assertArrayEquals(kernel, engine.weights().get("dense/kernel").toArray(), 1e-6f, "kernel, step " + step);
                assertArrayEquals(bias, engine.weights().get("dense/bias").toArray(), 1e-6f, "bias, step " + step);
            }
            OptimizerState state = engine.optimizerState();
            assertEquals(3, state.iterations());
            if (momentum == 0) {
                assertEquals(0, state.slots().size());
            } else {
                assertArrayEquals(kernelVelocity, state.slots().get("dense/kernel/" + Sgd.VELOCITY).toArray(), 1e-6f);
                assertArrayEquals(biasVelocity, state.slots().get("dense/bias/" + Sgd.VELOCITY).toArray(), 1e-6f);
            }
        }
    }

    /** Keras: {@code v = m * v - lr * g}; {@code w += v}, or {@code w += m * v - lr * g} with Nesterov. */
    private static void update(float[] w, float[] velocity, double[] g, Sgd sgd) {
        for (int i = 0; i < w.length; i++) {
            double step = sgd.learningRate() * g[i];
            if (sgd.momentum() == 0) {
                w[i] = (float) (w[i] - step);
                continue;
            }
            velocity[i] = (float) (sgd.momentum() * velocity[i] - step);
            w[i] = (float) (w[i] + (sgd.nesterov() ? sgd.momentum() * velocity[i] - step : velocity[i]));
        }
    }

    /** Mean cross-entropy of softmax(x W + b) and its gradients, in doubles; returns the loss. */
    private static double gradients(Batch batch, float[] kernel, float[] bias, double[] gKernel, double[] gBias) {
        int n = batch.size();
        double loss = 0;
        for (int b = 0; b < n; b++) {
            double[] logits = new double[UNITS];
            double max = Double.NEGATIVE_INFINITY;
            for (int u = 0; u < UNITS; u++) {
                logits[u] = bias[u];
                for (int i = 0; i < IN; i++) {
                    logits[u] += batch.images()[b * IN + i] * (double) kernel[i * UNITS + u];
                }
                max = Math.max(max, logits[u]);
            }
            double total = 0;
            for (int u = 0; u < UNITS; u++) {
                total += Math.exp(logits[u] - max);
            }
            for (int u = 0; u < UNITS; u++) {
                double p = Math.exp(logits[u] - max) / total;
                double g = (p - batch.oneHot()[b * UNITS + u]) / n;
                if (u == batch.labels()[b]) {
                    loss -= Math.log(p) / n;
                }
                gBias[u] += g;
                for (int i = 0; i < IN; i++) {
                    gKernel[i * UNITS + u] += batch.images()[b * IN + i] * g;
                }
            }
        }
        return loss;
    }
}
