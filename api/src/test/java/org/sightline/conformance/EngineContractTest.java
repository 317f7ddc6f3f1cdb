package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.conformance.LayerConformanceTest.assertClose;
import static org.sightline.conformance.LayerConformanceTest.randomWeights;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;
import org.sightline.compile.Precision;
import org.sightline.data.Batch;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
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
import org.sightline.spi.Backend;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.spi.UnsupportedCapabilityException;

/**
 * The {@link ModelEngine} contract of a training backend, run by each training backend through a
 * subclass: several training steps as the reference takes them (Keras's Adam, max-norm, batch-norm
 * moving statistics), weights and optimizer state moving between engines, the seed of dropout, and the
 * errors of bad inputs, inference-only and closed engines.
 */
public abstract class EngineContractTest {
    private static final Adam ADAM = Adam.withLearningRate(0.01);

    /** The backend under test; it must have {@code Capability.TRAIN}. */
    protected abstract Backend backend();

    private ModelEngine training(Sequential model, Weights weights, long seed) {
        return backend().createEngine(EngineRequest.training(model, weights, CompileOptions.of(ADAM), Device.cpu(),
                seed));
    }

    /**
     * Conv, batch-norm, max-pool, flatten, dense with max-norm, relu, batch-norm, softmax. The
     * convolution has no bias: before batch-norm its gradient is zero, and Adam would amplify the
     * rounding noise of that zero into steps of the full learning rate.
     */
    public static Sequential trainableModel() {
        return Sequential.builder(Shape.image(6, 6, 2))
                .add(Conv2D.of(3, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU)
                        .withUseBias(false))
                .add(BatchNormalization.of())
                .add(MaxPooling2D.of(2))
                .add(Dropout.of(0.0))
                .add(Flatten.of())
                .add(Dense.of(5).withKernelConstraint(MaxNorm.of(0.6)))
                .add(Activation.of(ActivationFunction.RELU))
                .add(new BatchNormalization(null, 0.9, 1e-3))
                .add(Dense.of(3))
                .add(Activation.of(ActivationFunction.SOFTMAX))
                .build();
    }

    private static Batch randomBatch(Sequential model, int size, long seed) {
        return Batch.random(model.inputShape(), model.numClasses(), size, new SplittableRandom(seed));
    }

    @Test
    void stepsFollowTheReferenceAdamMaxNormAndMovingStatistics() {
        Sequential model = trainableModel();
        Weights weights = randomWeights(model, 17);
        OptimizerState state = new OptimizerState(0, Weights.builder().build());
        CompileOptions options = CompileOptions.of(ADAM);
        try (ModelEngine engine = training(model, weights, 7)) {
            for (int step = 1; step <= 4; step++) {
                Batch batch = randomBatch(model, 8, 100 + step);
                ReferenceTraining.Step expected = ReferenceTraining.step(model, weights, state, options, batch, 7);
                BatchResult result = engine.trainOnBatch(batch);
                assertEquals(expected.loss(), result.meanLoss(), 1e-4 * Math.max(1, expected.loss()),
                        "loss of step " + step);
                assertEquals(expected.correct(), result.correct(), "correct in step " + step);
                assertEquals(8, result.count());
                for (String name : expected.weights().names()) {
                    assertClose(name + " after step " + step, expected.weights().get(name).toArray(),
                            engine.weights().get(name).toArray());
                }
                OptimizerState actual = engine.optimizerState();
                assertEquals(step, actual.iterations());
                for (String name : expected.state().slots().names()) {
                    assertClose(name + " after step " + step, expected.state().slots().get(name).toArray(),
                            actual.slots().get(name).toArray());
                }
                weights = expected.weights();
                state = expected.state();
            }
            double largest = largestColumnNorm(engine.weights().get("dense/kernel"));
            assertTrue(largest <= 0.6 + 1e-5, "largest unit norm " + largest);
            assertTrue(largest > 0.5, "the constraint should be active in this test, largest norm " + largest);
        }
    }

    @Test
    void maxNormOverConvolutionAxesBoundsEachFilter() {
        Sequential model = Sequential.of(Shape.image(4, 4, 2),
                Conv2D.of(3, 3).withKernelConstraint(new MaxNorm(0.2, new int[] {0, 1, 2})), Flatten.of(),
                Dense.of(2).withActivation(ActivationFunction.SOFTMAX));
        try (ModelEngine engine = training(model, randomWeights(model, 5), 0)) {
            engine.trainOnBatch(randomBatch(model, 4, 6));
            FloatTensor kernel = engine.weights().get("conv2d/kernel");
            for (int f = 0; f < 3; f++) {
                double norm = 0;
                for (int i = f; i < kernel.size(); i += 3) {
                    norm += kernel.get(i) * kernel.get(i);
                }
                // Glorot values give every filter a norm well above 0.2.
                assertEquals(0.2, Math.sqrt(norm), 1e-5, "filter " + f);
            }
        }
    }

    @Test
    void batchNormMovingStatisticsFollowMomentumOnImagesAndFlatInputs() {
        for (Shape input : new Shape[] {Shape.image(2, 3, 2), Shape.of(3)}) {
            Sequential model = input.isImage()
                    ? Sequential.of(input, new BatchNormalization(null, 0.8, 1e-3), Flatten.of(),
                            Dense.of(2).withActivation(ActivationFunction.SOFTMAX))
                    : Sequential.of(input, new BatchNormalization(null, 0.8, 1e-3),
                            Dense.of(2).withActivation(ActivationFunction.SOFTMAX));
            Weights start = randomWeights(model, 7);
            Batch batch = randomBatch(model, 4, 8);
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
            float[] variance0 = start.get("batch_normalization/moving_variance").toArray();
            try (ModelEngine engine = training(model, start, 0)) {
                engine.trainOnBatch(batch);
                Weights after = engine.weights();
                for (int k = 0; k < channels; k++) {
                    assertEquals(0.8 * mean0[k] + 0.2 * mean[k], after.get("batch_normalization/moving_mean").get(k),
                            1e-5, input + " moving mean " + k);
                    assertEquals(0.8 * variance0[k] + 0.2 * variance[k],
                            after.get("batch_normalization/moving_variance").get(k), 1e-5,
                            input + " moving variance " + k);
                }
            }
        }
    }

    @Test
    void weightsAndOptimizerStateMoveToANewEngine() {
        Sequential model = trainableModel();
        Batch probe = randomBatch(model, 7, 31);
        Batch next = randomBatch(model, 8, 32);
        try (ModelEngine first = training(model, model.initialWeights(3), 14);
                ModelEngine second = training(model, model.initialWeights(99), 16)) {
            for (int i = 0; i < 3; i++) {
                first.trainOnBatch(randomBatch(model, 8, 33 + i));
            }
            Weights weights = first.weights();
            OptimizerState state = first.optimizerState();
            second.setWeights(weights);
            second.setOptimizerState(state);
            assertEquals(weights, second.weights());
            assertEquals(state.slots(), second.optimizerState().slots());
            assertEquals(3, second.optimizerState().iterations());
            assertArrayEquals(first.predict(probe.images(), 7), second.predict(probe.images(), 7), 1e-6f);

            BatchResult a = first.trainOnBatch(next);
            BatchResult b = second.trainOnBatch(next);
            assertEquals(a.meanLoss(), b.meanLoss(), 1e-6);
            assertEquals(a.correct(), b.correct());
            assertEquals(4, second.optimizerState().iterations());
            for (Map.Entry<String, FloatTensor> e : first.weights().asMap().entrySet()) {
                double error = e.getValue().maxAbsDifference(second.weights().get(e.getKey()));
                assertTrue(error <= 1e-6, e.getKey() + " differs by " + error + " after the next step");
            }
        }
    }

    @Test
    void dropoutFollowsTheRequestSeed() {
        Sequential model = Sequential.of(Shape.of(6), Dropout.of(0.5),
                Dense.of(3).withActivation(ActivationFunction.SOFTMAX));
        Weights start = randomWeights(model, 17);
        Batch batch = randomBatch(model, 16, 18);
        try (ModelEngine a = training(model, start, 1); ModelEngine b = training(model, start, 1);
                ModelEngine c = training(model, start, 2)) {
            double lossA = a.trainOnBatch(batch).meanLoss();
            assertEquals(lossA, b.trainOnBatch(batch).meanLoss(), 0.0);
            assertNotEquals(lossA, c.trainOnBatch(batch).meanLoss());
        }
    }

    @Test
    void badInputsAreRejectedNamingWhatIsWrong() {
        Sequential model = Sequential.of(Shape.image(4, 4, 1), Flatten.of(),
                Dense.of(3).withActivation(ActivationFunction.SOFTMAX));
        try (ModelEngine engine = training(model, model.initialWeights(1), 1)) {
            Batch wrongImages = Batch.random(Shape.image(5, 5, 1), 3, 2, new SplittableRandom(1));
            assertThrows(IllegalArgumentException.class, () -> engine.trainOnBatch(wrongImages));
            Batch wrongClasses = Batch.random(Shape.image(4, 4, 1), 4, 2, new SplittableRandom(1));
            assertThrows(IllegalArgumentException.class, () -> engine.trainOnBatch(wrongClasses));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> engine.predict(new float[17], 1));
            assertTrue(e.getMessage().contains("got 17"), e.getMessage());

            Weights missing = Weights.builder().put("dense/kernel", FloatTensor.filled(new int[] {16, 3}, 0f)).build();
            e = assertThrows(IllegalArgumentException.class, () -> engine.setWeights(missing));
            assertTrue(e.getMessage().contains("missing dense/bias"), e.getMessage());
            Weights wrongShape = Weights.builder().put("dense/kernel", FloatTensor.filled(new int[] {16, 4}, 0f))
                    .put("dense/bias", FloatTensor.filled(new int[] {3}, 0f)).build();
            e = assertThrows(IllegalArgumentException.class, () -> engine.setWeights(wrongShape));
            assertTrue(e.getMessage().contains("dense/kernel has shape [16, 4]"), e.getMessage());

            OptimizerState wrong = new OptimizerState(1, Weights.builder()
                    .put("dense/kernel/m", FloatTensor.filled(new int[] {16, 3}, 0f)).build());
            e = assertThrows(IllegalArgumentException.class, () -> engine.setOptimizerState(wrong));
            assertTrue(e.getMessage().contains("missing dense/bias/v"), e.getMessage());
        }
    }

    @Test
    void inferenceEnginesRefuseTraining() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(2).withActivation(ActivationFunction.SOFTMAX));
        try (ModelEngine engine = backend().createEngine(
                EngineRequest.inference(model, model.initialWeights(1), Device.cpu()))) {
            Batch batch = randomBatch(model, 2, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.trainOnBatch(batch));
            assertTrue(e.getMessage().contains("inference only"), e.getMessage());
            assertThrows(IllegalStateException.class, engine::optimizerState);
        }
    }

    /**
     * Mixed bfloat16: a backend that declares it predicts close to float32 (bfloat16 keeps 8 bits of
     * mantissa) and trains to finite weights; one that does not refuses the request, naming the capability.
     */
    @Test
    void mixedBfloat16RunsCloseToFloat32OrIsRefused() {
        Sequential model = trainableModel();
        Weights weights = model.initialWeights(3);
        CompileOptions mixed = CompileOptions.of(ADAM).withPrecision(Precision.MIXED_BFLOAT16);
        if (!backend().can(Capability.MIXED_BFLOAT16)) {
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> backend().createEngine(EngineRequest.training(model, weights, mixed, Device.cpu(), 1)));
            assertTrue(e.getMessage().contains("MIXED_BFLOAT16"), e.getMessage());
            assertThrows(UnsupportedCapabilityException.class, () -> backend().createEngine(
                    EngineRequest.inference(model, weights, Device.cpu(), Precision.MIXED_BFLOAT16)));
            return;
        }
        Batch batch = randomBatch(model, 8, 4);
        try (ModelEngine exact = backend().createEngine(EngineRequest.inference(model, weights, Device.cpu()));
                ModelEngine approximate = backend().createEngine(EngineRequest.inference(model, weights, Device.cpu(),
                        Precision.MIXED_BFLOAT16));
                ModelEngine training = backend().createEngine(EngineRequest.training(model, weights, mixed,
                        Device.cpu(), 1))) {
            float[] expected = exact.predict(batch.images(), batch.size());
            float[] actual = approximate.predict(batch.images(), batch.size());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 0.05, "probability " + i);
            }
            for (int step = 0; step < 3; step++) {
                assertTrue(Double.isFinite(training.trainOnBatch(batch).meanLoss()), "loss at step " + step);
            }
            training.weights().asMap().forEach((name, value) -> {
                for (int i = 0; i < value.size(); i++) {
                    assertTrue(Float.isFinite(value.get(i)), name + "[" + i + "]");
                }
            });
        }
    }

    @Test
    void closedEnginesRefuseEverything() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(2).withActivation(ActivationFunction.SOFTMAX));
        ModelEngine engine = training(model, model.initialWeights(1), 1);
        engine.close();
        engine.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.predict(new float[2], 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, engine::weights);
        assertThrows(IllegalStateException.class, () -> engine.trainOnBatch(randomBatch(model, 2, 1)));
    }

    /** The largest L2 norm of a matrix's columns: what max-norm over axis 0 bounds. */
    private static double largestColumnNorm(FloatTensor kernel) {
        int rows = kernel.shape()[0];
        int units = kernel.shape()[1];
        double largest = 0;
        for (int unit = 0; unit < units; unit++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += kernel.get(r * units + unit) * kernel.get(r * units + unit);
            }
            largest = Math.max(largest, Math.sqrt(sum));
        }
        return largest;
    }
}
