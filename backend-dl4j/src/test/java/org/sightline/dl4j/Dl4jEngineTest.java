package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.data.Batch;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;
import org.sightline.compile.Sgd;

class Dl4jEngineTest {
    private static final Adam ADAM = Adam.withLearningRate(0.01);

    @BeforeAll
    static void startNd4j() {
        NativeRuntime.start();
    }

    /** Conv, BN, max-pool, flatten, dense with max-norm, BN, softmax: everything the reference can differentiate. */
    static Sequential trainableModel() {
        return Sequential.builder(Shape.image(6, 6, 2))
                .add(Conv2D.of(3, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU))
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

    /** Every layer and activation, odd sizes, stride 2 and 'same' padding where TF pads asymmetrically. */
    static Sequential everyLayerModel() {
        return Sequential.builder(Shape.image(7, 9, 3))
                .add(Conv2D.of(4, 3).withPadding(Padding.SAME).withStrides(2, 2)
                        .withActivation(ActivationFunction.TANH))
                .add(BatchNormalization.of())
                .add(new MaxPooling2D(null, new PoolingWindow(2, 2, 2, 2, Padding.SAME)))
                .add(Conv2D.of(5, 2).withActivation(ActivationFunction.SIGMOID).withUseBias(false))
                .add(new AveragePooling2D(null, new PoolingWindow(2, 2, 1, 1, Padding.SAME)))
                .add(Dropout.of(0.3))
                .add(Activation.of(ActivationFunction.RELU))
                .add(Flatten.of())
                .add(Dense.of(6).withActivation(ActivationFunction.TANH))
                .add(BatchNormalization.of())
                .add(Dense.of(4).withActivation(ActivationFunction.SOFTMAX))
                .build();
    }

    /** Keras initial weights, with batch-norm parameters and statistics moved off their defaults. */
    static Weights randomWeights(Sequential model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Weights initial = model.initialWeights(seed);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            FloatTensor tensor = initial.get(weight.key());
            String name = weight.spec().name();
            float[] values = tensor.toArray();
            for (int i = 0; i < values.length; i++) {
                switch (name) {
                    case "gamma", "moving_variance" -> values[i] = (float) (0.5 + random.nextDouble());
                    case "beta", "moving_mean", "bias" -> values[i] = (float) (random.nextDouble() - 0.5);
                    default -> values[i] *= 2;
                }
            }
            builder.put(weight.key(), FloatTensor.of(tensor.shape(), values));
        }
        return builder.build();
    }

    static Batch randomBatch(Sequential model, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return Batch.random(model.inputShape(), model.numClasses(), size, random);
    }

    static Dl4jEngine trainingEngine(Sequential model, Weights weights) {
        return new Dl4jEngine(EngineRequest.training(model, weights, CompileOptions.of(ADAM), Device.cpu(), 7));
    }

    /**
     * The cross-entropy loss's gradient at every trainable weight, through {@link Dl4jEngine#lossGradients}
     * by the chain rule: weighting each output probability {@code p} by {@code d loss / d p =
     * -label / (n p)} (the training-mode output of a first call) makes {@code sum(output * weights)}
     * have the loss's gradients.
     */
    static Map<String, FloatTensor> crossEntropyGradients(Dl4jEngine engine, Batch batch) {
        float[] probe = new float[batch.oneHot().length];
        float[] output = engine.lossGradients(batch.images(), batch.size(), probe, true).output();
        float[] weights = new float[output.length];
        for (int i = 0; i < output.length; i++) {
            weights[i] = -batch.oneHot()[i] / (batch.size() * output[i]);
        }
        Weights gradients = engine.lossGradients(batch.images(), batch.size(), weights, true).weights();
        Map<String, FloatTensor> byName = new java.util.LinkedHashMap<>();
        gradients.names().forEach(name -> byName.put(name, gradients.get(name)));
        return byName;
    }

    @Test
    void predictMatchesKerasSemanticsOfEveryLayer() {
        Sequential model = everyLayerModel();
        Weights weights = randomWeights(model, 3);
        Batch batch = randomBatch(model, 5, 11);
        float[] expected = ReferenceForwardPass.predict(model, weights, batch.images(), batch.size());
        try (Dl4jEngine engine = new Dl4jEngine(EngineRequest.inference(model, weights, Device.cpu()))) {
            float[] actual = engine.predict(batch.images(), batch.size());
            assertEquals(expected.length, actual.length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5, "probability " + i);
            }
        }
    }

    @Test
    void gradientsMatchReferenceBackprop() {
        Sequential model = trainableModel();
        Weights weights = randomWeights(model, 5);
        Batch batch = randomBatch(model, 6, 13);
        ReferenceNetwork.Gradients expected = new ReferenceNetwork(model, weights).gradients(batch);
        try (Dl4jEngine engine = trainingEngine(model, weights)) {
            Map<String, FloatTensor> actual = crossEntropyGradients(engine, batch);
            assertEquals(expected.byWeight().keySet(), actual.keySet());
            expected.byWeight().forEach((name, gradient) -> {
                double error = relativeError(actual.get(name), gradient);
                assertTrue(error < 1e-4, name + " gradient relative L2 error " + error);
            });
        }
    }

    @Test
    void gradientsAreTheSameOnEveryCall() {
        // The per-pass arrays are reused between calls; an op that accumulates into its output would drift.
        Sequential model = trainableModel();
        Batch batch = randomBatch(model, 6, 15);
        try (Dl4jEngine engine = trainingEngine(model, randomWeights(model, 5))) {
            Map<String, FloatTensor> first = crossEntropyGradients(engine, batch);
            for (int call = 0; call < 2; call++) {
                assertEquals(first, crossEntropyGradients(engine, batch), "gradients of call " + (call + 2));
            }
        }
    }

    @Test
    void trainingStepsMatchKerasAdamMovingStatisticsAndMaxNorm() {
        Sequential model = trainableModel();
        Weights weights = randomWeights(model, 17);
        ReferenceNetwork reference = new ReferenceNetwork(model, weights);
        try (Dl4jEngine engine = trainingEngine(model, weights)) {
            for (int step = 0; step < 4; step++) {
                Batch batch = randomBatch(model, 8, 100 + step);
                double expectedLoss = reference.trainStep(batch, ADAM);
                BatchResult result = engine.trainOnBatch(batch);
                assertEquals(expectedLoss, result.meanLoss(), 1e-5 * Math.max(1, expectedLoss), "loss of step " + step);
                assertEquals(8, result.count());
            }
            Weights actual = engine.weights();
            for (ModelWeight weight : model.weights()) {
                double error = maxAbsError(actual.get(weight.key()), reference.weight(weight.key()));
                assertTrue(error < 2e-5, weight.key() + " differs by " + error + " after 4 steps");
            }
            OptimizerState state = engine.optimizerState();
            assertEquals(reference.iterations(), state.iterations());
            for (ModelWeight weight : model.weights()) {
                if (weight.spec().trainable()) {
                    String key = weight.key();
                    assertTrue(relativeError(state.slots().get(key + "/m"), reference.moment(key, true)) < 1e-4, key);
                    assertTrue(relativeError(state.slots().get(key + "/v"), reference.moment(key, false)) < 1e-4, key);
                }
            }
        }
    }

    @Test
    void sgdWithMomentumStepsAgainstTheGradientAndKeepsItsVelocity() {
        Sequential model = trainableModel();
        Batch batch = randomBatch(model, 8, 43);
        Sgd sgd = new Sgd(0.05, 0.9, false);
        try (Dl4jEngine engine = new Dl4jEngine(EngineRequest.training(model, randomWeights(model, 41),
                CompileOptions.of(sgd), Device.cpu(), 7))) {
            Weights before = engine.weights();
            Map<String, FloatTensor> gradients = crossEntropyGradients(engine, batch);
            engine.trainOnBatch(batch);
            Weights after = engine.weights();
            OptimizerState state = engine.optimizerState();
            assertEquals(1, state.iterations());
            gradients.forEach((name, gradient) -> {
                FloatTensor velocity = state.slots().get(name + "/" + Sgd.VELOCITY);
                for (int i = 0; i < gradient.size(); i++) {
                    // The first velocity is -lr * g; the max-norm of dense/kernel may shrink its weight further.
                    assertEquals(-0.05 * gradient.get(i), velocity.get(i), 1e-6, name + " velocity " + i);
                    if (!name.equals("dense/kernel")) {
                        assertEquals(before.get(name).get(i) + velocity.get(i), after.get(name).get(i), 1e-6,
                                name + " " + i);
                    }
                }
            });
        }
    }

    @Test
    void maxNormBoundsEveryOutputUnitAfterSteps() {
        Sequential model = trainableModel();
        try (Dl4jEngine engine = trainingEngine(model, randomWeights(model, 19))) {
            for (int step = 0; step < 3; step++) {
                engine.trainOnBatch(randomBatch(model, 8, 200 + step));
            }
            FloatTensor kernel = engine.weights().get("dense/kernel");
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
            assertTrue(largest <= 0.6 + 1e-5, "largest unit norm " + largest);
            assertTrue(largest > 0.5, "the constraint should be active in this test, largest norm " + largest);
        }
    }

    @Test
    void batchNormMovingStatisticsFollowMomentum() {
        Sequential model = Sequential.builder(Shape.of(4))
                .add(new BatchNormalization(null, 0.9, 1e-3))
                .add(Dense.of(2).withActivation(ActivationFunction.SOFTMAX))
                .build();
        Batch batch = randomBatch(model, 10, 23);
        try (Dl4jEngine engine = trainingEngine(model, model.initialWeights(1))) {
            engine.trainOnBatch(batch);
            FloatTensor mean = engine.weights().get("batch_normalization/moving_mean");
            FloatTensor variance = engine.weights().get("batch_normalization/moving_variance");
            for (int f = 0; f < 4; f++) {
                double batchMean = 0;
                for (int n = 0; n < 10; n++) {
                    batchMean += batch.images()[n * 4 + f] / 10.0;
                }
                double batchVariance = 0;
                for (int n = 0; n < 10; n++) {
                    double d = batch.images()[n * 4 + f] - batchMean;
                    batchVariance += d * d / 10.0;
                }
                assertEquals(0.1 * batchMean, mean.get(f), 1e-6, "moving mean " + f);
                assertEquals(0.9 + 0.1 * batchVariance, variance.get(f), 1e-6, "moving variance " + f);
            }
        }
    }

    @Test
    void weightsAndOptimizerStateRoundTripToIdenticalPredictionsAndNextStep() {
        Sequential model = trainableModel();
        Batch probe = randomBatch(model, 7, 31);
        Batch next = randomBatch(model, 8, 32);
        try (Dl4jEngine first = trainingEngine(model, model.initialWeights(3))) {
            first.trainOnBatch(randomBatch(model, 8, 33));
            first.trainOnBatch(randomBatch(model, 8, 34));
            Weights weights = first.weights();
            OptimizerState state = first.optimizerState();
            try (Dl4jEngine second = trainingEngine(model, model.initialWeights(99))) {
                second.setWeights(weights);
                second.setOptimizerState(state);
                assertEquals(weights, second.weights());
                assertArrayEquals(first.predict(probe.images(), 7), second.predict(probe.images(), 7));
                BatchResult a = first.trainOnBatch(next);
                BatchResult b = second.trainOnBatch(next);
                assertEquals(a.meanLoss(), b.meanLoss(), 1e-7);
                assertEquals(3, second.optimizerState().iterations());
                for (String name : weights.names()) {
                    double error = first.weights().get(name).maxAbsDifference(second.weights().get(name));
                    assertTrue(error <= 1e-7, name + " differs by " + error + " after the next step");
                }
            }
        }
    }

    @Test
    void inferenceEngineRefusesTraining() {
        Sequential model = trainableModel();
        try (Dl4jEngine engine = new Dl4jEngine(EngineRequest.inference(model, model.initialWeights(1), Device.cpu()))) {
            Batch batch = randomBatch(model, 2, 1);
            assertTrue(assertThrows(IllegalStateException.class, () -> engine.trainOnBatch(batch)).getMessage()
                    .contains("inference only"));
            assertThrows(IllegalStateException.class, engine::optimizerState);
        }
    }

    @Test
    void badInputsAreNamed() {
        Sequential model = trainableModel();
        try (Dl4jEngine engine = trainingEngine(model, model.initialWeights(1))) {
            IllegalArgumentException images = assertThrows(IllegalArgumentException.class,
                    () -> engine.predict(new float[10], 1));
            assertTrue(images.getMessage().contains("72 floats, got 10"), images.getMessage());

            Weights wrongShape = Weights.builder().put("conv2d/kernel", FloatTensor.filled(new int[] {3, 3, 2, 4}, 0))
                    .build();
            IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                    () -> engine.setWeights(wrongShape));
            assertTrue(weights.getMessage().contains("conv2d/kernel has shape [3, 3, 2, 4]"), weights.getMessage());

            OptimizerState missing = new OptimizerState(3, Weights.builder().build());
            IllegalArgumentException state = assertThrows(IllegalArgumentException.class,
                    () -> engine.setOptimizerState(missing));
            assertTrue(state.getMessage().contains("missing conv2d/kernel/m"), state.getMessage());

            Batch fourClasses = new Batch(1, model.inputShape(), new float[72], new int[] {0}, new float[4]);
            assertThrows(IllegalArgumentException.class, () -> engine.trainOnBatch(fourClasses));
        }
    }

    @Test
    void closedEngineRefusesWork() {
        Sequential model = trainableModel();
        Dl4jEngine engine = trainingEngine(model, model.initialWeights(1));
        engine.close();
        engine.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.predict(new float[72], 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, engine::weights);
    }

    @Test
    void predictionsDuringTrainingSeeTheWeightsOfAWholeStep() {
        Sequential model = trainableModel();
        float[] images = randomBatch(model, 4, 3).images();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (Dl4jEngine engine = trainingEngine(model, randomWeights(model, 5))) {
                // What the engine predicts before training and after each step, with no other call running.
                List<float[]> afterEachStep = new ArrayList<>();
                afterEachStep.add(engine.predict(images, 4));
                ConcurrentLinkedQueue<float[]> seenDuringTraining = new ConcurrentLinkedQueue<>();
                ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
                AtomicBoolean training = new AtomicBoolean(true);
                List<Thread> predictors = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    predictors.add(daemon(() -> {
                        try {
                            while (training.get()) {
                                seenDuringTraining.add(engine.predict(images, 4));
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }));
                }
                predictors.forEach(Thread::start);
                try {
                    for (int step = 0; step < 40; step++) {
                        engine.trainOnBatch(randomBatch(model, 8, 200 + step));
                        afterEachStep.add(engine.predict(images, 4));
                    }
                } finally {
                    training.set(false);
                }
                for (Thread predictor : predictors) {
                    predictor.join();
                }
                assertTrue(failures.isEmpty(), "predictions during training failed: " + failures);
                assertTrue(!seenDuringTraining.isEmpty(), "no prediction ran during training");
                for (float[] seen : seenDuringTraining) {
                    assertTrue(afterEachStep.stream().anyMatch(state -> maxAbsDifference(state, seen) <= 1e-6),
                            "a prediction during training saw weights of no whole step: " + Arrays.toString(seen));
                }
            }
        });
    }

    /** Not to keep the test JVM alive if a thread hangs in native code past the timeout. */
    private static Thread daemon(Runnable task) {
        Thread thread = new Thread(task, "dl4j-engine-test");
        thread.setDaemon(true);
        return thread;
    }

    private static double maxAbsDifference(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }

    private static double relativeError(FloatTensor actual, double[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual.get(i) - expected[i]) * (actual.get(i) - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
    }

    private static double maxAbsError(FloatTensor actual, double[] expected) {
        assertEquals(expected.length, actual.size());
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(actual.get(i) - expected[i]));
        }
        return max;
    }
}
