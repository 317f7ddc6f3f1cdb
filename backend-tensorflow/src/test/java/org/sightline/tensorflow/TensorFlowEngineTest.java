package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.model.ActivationFunction.RELU;
import static org.sightline.model.ActivationFunction.SOFTMAX;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.data.Batch;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;

/** Training semantics (Keras's Adam, max-norm, batch-norm statistics), state round trips and errors. */
class TensorFlowEngineTest {
    private static final Adam ADAM = Adam.withLearningRate(0.01);

    @Test
    void twoStepsAreKerasAdamOnSoftmaxCrossEntropy() {
        Sequential model = Sequential.of(Shape.of(3), Dense.of(4).withActivation(SOFTMAX));
        Weights start = LayerParityTest.randomWeights(model, 1);
        Batch batch = Batch.random(Shape.of(3), 4, 5, new SplittableRandom(2));
        HandDense hand = new HandDense(start.get("dense/kernel").toArray(), start.get("dense/bias").toArray(), 3, 4);
        try (ModelEngine engine = training(model, start, 0)) {
            for (int step = 1; step <= 2; step++) {
                double expectedLoss = hand.step(batch, ADAM, step, Double.POSITIVE_INFINITY);
                BatchResult result = engine.trainOnBatch(batch);
                assertEquals(expectedLoss, result.meanLoss(), 1e-5, "loss of step " + step);
                assertEquals(5, result.count());
                assertArrayEquals(hand.kernel, engine.weights().get("dense/kernel").toArray(), 1e-6f);
                assertArrayEquals(hand.bias, engine.weights().get("dense/bias").toArray(), 1e-6f);
            }
            OptimizerState state = engine.optimizerState();
            assertEquals(2, state.iterations());
            assertArrayEquals(hand.mKernel, state.slots().get("dense/kernel/m").toArray(), 1e-6f);
            assertArrayEquals(hand.vKernel, state.slots().get("dense/kernel/v").toArray(), 1e-7f);
            assertArrayEquals(hand.mBias, state.slots().get("dense/bias/m").toArray(), 1e-6f);
            assertEquals(4, state.slots().size());
        }
    }

    @Test
    void maxNormScalesEachKernelColumnAfterTheStep() {
        MaxNorm constraint = MaxNorm.of(0.5);
        Sequential model = Sequential.of(Shape.of(3), Dense.of(4).withActivation(SOFTMAX)
                .withKernelConstraint(constraint));
        Weights start = LayerParityTest.randomWeights(model, 3);
        Batch batch = Batch.random(Shape.of(3), 4, 6, new SplittableRandom(4));
        HandDense hand = new HandDense(start.get("dense/kernel").toArray(), start.get("dense/bias").toArray(), 3, 4);
        try (ModelEngine engine = training(model, start, 0)) {
            for (int step = 1; step <= 3; step++) {
                hand.step(batch, ADAM, step, constraint.maxValue());
                engine.trainOnBatch(batch);
                assertArrayEquals(hand.kernel, engine.weights().get("dense/kernel").toArray(), 1e-6f);
            }
            float[] kernel = engine.weights().get("dense/kernel").toArray();
            for (int u = 0; u < 4; u++) {
                double norm = 0;
                for (int i = 0; i < 3; i++) {
                    norm += kernel[i * 4 + u] * kernel[i * 4 + u];
                }
                assertTrue(Math.sqrt(norm) <= 0.5 + 1e-6, "column " + u + " has norm " + Math.sqrt(norm));
            }
        }
    }

    @Test
    void maxNormOverConvolutionAxesBoundsEachFilter() {
        Sequential model = Sequential.of(Shape.image(4, 4, 2),
                Conv2D.of(3, 3).withKernelConstraint(new MaxNorm(0.2, new int[] {0, 1, 2})), Flatten.of(),
                Dense.of(2).withActivation(SOFTMAX));
        try (ModelEngine engine = training(model, LayerParityTest.randomWeights(model, 5), 0)) {
            engine.trainOnBatch(Batch.random(Shape.image(4, 4, 2), 2, 4, new SplittableRandom(6)));
            float[] kernel = engine.weights().get("conv2d/kernel").toArray();
            for (int f = 0; f < 3; f++) {
                double norm = 0;
                for (int i = f; i < kernel.length; i += 3) {
                    norm += kernel[i] * kernel[i];
                }
                // Random starting values give every filter a norm well above 0.2.
                assertEquals(0.2, Math.sqrt(norm), 1e-5, "filter " + f);
            }
        }
    }

    @Test
    void batchNormMovingStatisticsFollowMomentumOnImagesAndFlatInputs() {
        for (Shape input : new Shape[] {Shape.image(2, 3, 2), Shape.of(3)}) {
            Sequential model = input.isImage()
                    ? Sequential.of(input, new BatchNormalization(null, 0.8, 1e-3), Flatten.of(),
                            Dense.of(2).withActivation(SOFTMAX))
                    : Sequential.of(input, new BatchNormalization(null, 0.8, 1e-3), Dense.of(2).withActivation(SOFTMAX));
            Weights start = LayerParityTest.randomWeights(model, 7);
            Batch batch = Batch.random(input, 2, 4, new SplittableRandom(8));
            int channels = input.dim(input.rank() - 1);
            double[] mean = new double[channels];
            double[] variance = new double[channels];
            int perChannel = batch.images().length / channels;
            for (int i = 0; i < batch.images().length; i++) {
                mean[i % channels] += batch.images()[i] / (double) perChannel;
            }
            for (int i = 0; i < batch.images().length; i++) {
                double d = batch.images()[i] - mean[i % channels];
                variance[i % channels] += d * d / perChannel;
            }
            float[] mean0 = start.get("batch_normalization/moving_mean").toArray();
            float[] var0 = start.get("batch_normalization/moving_variance").toArray();
            try (ModelEngine engine = training(model, start, 0)) {
                engine.trainOnBatch(batch);
                Weights after = engine.weights();
                for (int k = 0; k < channels; k++) {
                    assertEquals(0.8 * mean0[k] + 0.2 * mean[k], after.get("batch_normalization/moving_mean").get(k),
                            1e-5, input + " moving mean " + k);
                    assertEquals(0.8 * var0[k] + 0.2 * variance[k],
                            after.get("batch_normalization/moving_variance").get(k), 1e-5, input + " moving variance " + k);
                }
            }
        }
    }

    @Test
    void learnsASeparableTask() {
        Sequential model = Sequential.builder(Shape.image(6, 6, 1))
                .add(Conv2D.of(4, 3).withPadding(Padding.SAME).withActivation(RELU))
                .add(BatchNormalization.of())
                .add(MaxPooling2D.of(2))
                .add(Dropout.of(0.2))
                .add(Flatten.of())
                .add(Dense.of(8).withActivation(RELU).withKernelConstraint(MaxNorm.of(3)))
                .add(BatchNormalization.of())
                .add(Dense.of(2).withActivation(SOFTMAX))
                .build();
        SplittableRandom random = new SplittableRandom(9);
        try (ModelEngine engine = training(model, model.initialWeights(10), 11)) {
            double firstLoss = engine.trainOnBatch(halves(random, 32)).meanLoss();
            double lastLoss = firstLoss;
            for (int step = 0; step < 30; step++) {
                lastLoss = engine.trainOnBatch(halves(random, 32)).meanLoss();
            }
            assertTrue(lastLoss < firstLoss / 2, "loss went from " + firstLoss + " to " + lastLoss);
            Batch test = halves(random, 200);
            float[] p = engine.predict(test.images(), test.size());
            int correct = 0;
            for (int i = 0; i < test.size(); i++) {
                int predicted = p[2 * i + 1] > p[2 * i] ? 1 : 0;
                correct += predicted == test.labels()[i] ? 1 : 0;
            }
            assertTrue(correct >= 180, "accuracy " + correct + "/200");
        }
    }

    @Test
    void weightsAndOptimizerStateMoveToANewEngine() {
        Sequential model = Sequential.builder(Shape.image(4, 4, 2))
                .add(Conv2D.of(3, 3).withPadding(Padding.SAME).withActivation(RELU))
                .add(BatchNormalization.of())
                .add(Flatten.of())
                .add(Dense.of(5).withActivation(RELU).withKernelConstraint(MaxNorm.of(1)))
                .add(Dense.of(3).withActivation(SOFTMAX))
                .build();
        SplittableRandom random = new SplittableRandom(12);
        Batch next = Batch.random(model.inputShape(), 3, 8, random);
        try (ModelEngine first = training(model, model.initialWeights(13), 14);
                ModelEngine second = training(model, model.initialWeights(15), 16)) {
            for (int i = 0; i < 3; i++) {
                first.trainOnBatch(Batch.random(model.inputShape(), 3, 8, random));
            }
            Weights weights = first.weights();
            OptimizerState state = first.optimizerState();
            second.setWeights(weights);
            second.setOptimizerState(state);
            assertEquals(weights, second.weights());
            assertEquals(state.slots(), second.optimizerState().slots());
            assertEquals(3, second.optimizerState().iterations());
            assertArrayEquals(first.predict(next.images(), next.size()), second.predict(next.images(), next.size()),
                    1e-6f);

            BatchResult a = first.trainOnBatch(next);
            BatchResult b = second.trainOnBatch(next);
            assertEquals(a.meanLoss(), b.meanLoss(), 1e-6);
            assertEquals(a.correct(), b.correct());
            for (Map.Entry<String, FloatTensor> e : first.weights().asMap().entrySet()) {
                assertTrue(e.getValue().maxAbsDifference(second.weights().get(e.getKey())) < 1e-6,
                        e.getKey() + " differs after the next step");
            }
            assertEquals(4, second.optimizerState().iterations());
        }
    }

    @Test
    void dropoutFollowsTheRequestSeed() {
        Sequential model = Sequential.of(Shape.of(6), Dropout.of(0.5), Dense.of(3).withActivation(SOFTMAX));
        Weights start = LayerParityTest.randomWeights(model, 17);
        Batch batch = Batch.random(Shape.of(6), 3, 16, new SplittableRandom(18));
        try (ModelEngine a = training(model, start, 1); ModelEngine b = training(model, start, 1);
                ModelEngine c = training(model, start, 2)) {
            double lossA = a.trainOnBatch(batch).meanLoss();
            assertEquals(lossA, b.trainOnBatch(batch).meanLoss(), 0.0);
            assertNotEquals(lossA, c.trainOnBatch(batch).meanLoss());
        }
    }

    @Test
    void badInputsAreRejectedWithTheirShapes() {
        Sequential model = Sequential.of(Shape.image(4, 4, 1), Flatten.of(), Dense.of(3).withActivation(SOFTMAX));
        try (ModelEngine engine = training(model, model.initialWeights(1), 1)) {
            Batch wrongImages = Batch.random(Shape.image(5, 5, 1), 3, 2, new SplittableRandom(1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.trainOnBatch(wrongImages));
            assertTrue(e.getMessage().contains("(None, 5, 5, 1)") && e.getMessage().contains("(None, 4, 4, 1)"),
                    e.getMessage());
            Batch wrongClasses = Batch.random(Shape.image(4, 4, 1), 4, 2, new SplittableRandom(1));
            e = assertThrows(IllegalArgumentException.class, () -> engine.trainOnBatch(wrongClasses));
            assertTrue(e.getMessage().contains("4 classes") && e.getMessage().contains("outputs 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> engine.predict(new float[17], 1));
            assertTrue(e.getMessage().contains("got 17"), e.getMessage());

            Weights missing = Weights.builder().put("dense/kernel", FloatTensor.filled(new int[] {16, 3}, 0f)).build();
            e = assertThrows(IllegalArgumentException.class, () -> engine.setWeights(missing));
            assertTrue(e.getMessage().contains("missing dense/bias"), e.getMessage());

            OptimizerState wrong = new OptimizerState(1, Weights.builder()
                    .put("dense/kernel/m", FloatTensor.filled(new int[] {16, 2}, 0f))
                    .put("dense/gamma/m", FloatTensor.filled(new int[] {3}, 0f)).build());
            e = assertThrows(IllegalArgumentException.class, () -> engine.setOptimizerState(wrong));
            assertTrue(e.getMessage().contains("dense/kernel/m has shape [16, 2], expected [16, 3]")
                    && e.getMessage().contains("missing dense/bias/v")
                    && e.getMessage().contains("unexpected dense/gamma/m"), e.getMessage());
        }
    }

    @Test
    void inferenceEnginesRefuseTrainingAndClosedEnginesRefuseEverything() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(2).withActivation(SOFTMAX));
        ModelEngine engine = new TensorFlowBackend()
                .createEngine(EngineRequest.inference(model, model.initialWeights(1), Device.cpu()));
        Batch batch = Batch.random(Shape.of(2), 2, 2, new SplittableRandom(1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.trainOnBatch(batch));
        assertTrue(e.getMessage().contains("inference only"), e.getMessage());
        assertThrows(IllegalStateException.class, engine::optimizerState);
        engine.close();
        engine.close();
        e = assertThrows(IllegalStateException.class, () -> engine.predict(new float[2], 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void askingForAGpuWithoutGpuNativesIsAClearError() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(2).withActivation(SOFTMAX));
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> new TensorFlowBackend().createEngine(
                        EngineRequest.inference(model, model.initialWeights(1), Device.gpu(0))));
        assertTrue(e.getMessage().contains("gpu:0") && e.getMessage().contains("-Pgpu"), e.getMessage());
    }

    static ModelEngine training(Sequential model, Weights weights, long seed) {
        return new TensorFlowBackend().createEngine(
                EngineRequest.training(model, weights, CompileOptions.of(ADAM), Device.cpu(), seed));
    }

    /** 6×6 images, class 0 brighter in the top half, class 1 in the bottom half, plus noise. */
    static Batch halves(SplittableRandom random, int size) {
        float[] images = new float[size * 36];
        int[] labels = new int[size];
        float[] oneHot = new float[size * 2];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(2);
            oneHot[i * 2 + labels[i]] = 1;
            for (int p = 0; p < 36; p++) {
                boolean top = p < 18;
                float signal = (top == (labels[i] == 0)) ? 0.6f : 0f;
                images[i * 36 + p] = signal + (float) random.nextDouble() * 0.8f;
            }
        }
        return new Batch(size, Shape.image(6, 6, 1), images, labels, oneHot);
    }

    /** A Dense + softmax classifier trained by hand with Keras's Adam and max-norm, in doubles. */
    private static final class HandDense {
        final float[] kernel;
        final float[] bias;
        final float[] mKernel;
        final float[] vKernel;
        final float[] mBias;
        final float[] vBias;
        private final int in;
        private final int units;

        HandDense(float[] kernel, float[] bias, int in, int units) {
            this.kernel = kernel.clone();
            this.bias = bias.clone();
            this.in = in;
            this.units = units;
            mKernel = new float[kernel.length];
            vKernel = new float[kernel.length];
            mBias = new float[bias.length];
            vBias = new float[bias.length];
        }

        /** One step; returns the loss before it. */
        double step(Batch batch, Adam adam, int t, double maxNorm) {
            int n = batch.size();
            Sequential model = Sequential.of(Shape.of(in), Dense.of(units).withActivation(SOFTMAX));
            float[] p = ReferenceForwardPass.predict(model, Weights.builder()
                    .put("dense/kernel", FloatTensor.of(new int[] {in, units}, kernel))
                    .put("dense/bias", FloatTensor.of(new int[] {units}, bias)).build(), batch.images(), n);
            double loss = 0;
            double[] gKernel = new double[kernel.length];
            double[] gBias = new double[bias.length];
            for (int b = 0; b < n; b++) {
                loss -= Math.log(p[b * units + batch.labels()[b]]) / n;
                for (int u = 0; u < units; u++) {
                    double g = (p[b * units + u] - batch.oneHot()[b * units + u]) / n;
                    gBias[u] += g;
                    for (int i = 0; i < in; i++) {
                        gKernel[i * units + u] += batch.images()[b * in + i] * g;
                    }
                }
            }
            double alpha = adam.learningRate() * Math.sqrt(1 - Math.pow(adam.beta2(), t))
                    / (1 - Math.pow(adam.beta1(), t));
            adamUpdate(kernel, mKernel, vKernel, gKernel, adam, alpha);
            adamUpdate(bias, mBias, vBias, gBias, adam, alpha);
            for (int u = 0; u < units; u++) {
                double norm = 0;
                for (int i = 0; i < in; i++) {
                    norm += kernel[i * units + u] * (double) kernel[i * units + u];
                }
                norm = Math.sqrt(norm);
                double scale = Math.min(norm, maxNorm) / (1e-7 + norm);
                if (Double.isFinite(maxNorm)) {
                    for (int i = 0; i < in; i++) {
                        kernel[i * units + u] = (float) (kernel[i * units + u] * scale);
                    }
                }
            }
            return loss;
        }

        private static void adamUpdate(float[] w, float[] m, float[] v, double[] g, Adam adam, double alpha) {
            for (int i = 0; i < w.length; i++) {
                m[i] = (float) (m[i] + (g[i] - m[i]) * (1 - adam.beta1()));
                v[i] = (float) (v[i] + (g[i] * g[i] - v[i]) * (1 - adam.beta2()));
                w[i] = (float) (w[i] - alpha * m[i] / (Math.sqrt(v[i]) + adam.epsilon()));
            }
        }
    }
}
