package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.data.ImageDataset;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.FloatTensor;
import org.sightline.model.Flatten;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.train.Evaluation;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;

/**
 * The checks every backend passes, run by each backend module through a subclass naming its
 * backend. Training cases are skipped for backends that cannot train.
 */
public abstract class BackendConformanceTest {
    /** Largest allowed difference of a probability to the pure-Java reference forward pass. */
    protected static final double PROBABILITY_TOLERANCE = 1e-4;

    /** Largest allowed difference between a prediction made by one of many threads and the same one alone. */
    protected static final double THREADED_TOLERANCE = 1e-6;
    /** Bounds the thread tests, so that a deadlock or a hang fails the build instead of stalling it. */
    private static final Duration THREADED_TIMEOUT = Duration.ofSeconds(60);

    /** The backend under test. */
    protected abstract Backend backend();

    @Test
    void isDiscoveredByName() {
        assertEquals(backend().getClass(), Backends.get(backend().name()).getClass());
    }

    @Test
    void engineHoldsEveryWeightOfTheReferenceModel() {
        Sequential reference = ReferenceModels.cifar10Cnn();
        try (Model model = Model.fromSaved(randomized(reference, 5), backend(), Device.cpu())) {
            Weights weights = model.toSavedModel().weights();
            reference.requireCompatible(weights, backend().name());
            long total = weights.asMap().values().stream().mapToLong(FloatTensor::size).sum();
            assertEquals(2_264_458, total);
            assertEquals(2_263_114, reference.trainableParams());
            assertEquals(1_344, reference.nonTrainableParams());
        }
    }

    @Test
    void referenceModelMatchesTheReferenceForwardPass(@TempDir Path dir) throws IOException {
        Sequential reference = ReferenceModels.cifar10Cnn();
        assertMatchesReference(randomized(reference, 11), dir.resolve("reference.safetensors"), 16);
    }

    @Test
    void everyLayerKindMatchesTheReferenceForwardPass(@TempDir Path dir) throws IOException {
        Sequential model = Sequential.builder(Shape.image(11, 9, 2))
                .add(Conv2D.of(4, 3).withStrides(2, 2).withPadding(Padding.SAME)
                        .withActivation(ActivationFunction.TANH))
                .add(BatchNormalization.of())
                .add(Conv2D.of(5, 2).withActivation(ActivationFunction.SIGMOID).withUseBias(false))
                .add(new AveragePooling2D(null, new PoolingWindow(3, 2, 2, 1, Padding.SAME)))
                .add(new MaxPooling2D(null, new PoolingWindow(2, 2, 1, 1, Padding.VALID)))
                .add(Dropout.of(0.5))
                .add(Activation.of(ActivationFunction.RELU))
                .add(Flatten.of())
                .add(Dense.of(6).withKernelConstraint(MaxNorm.of(2)).withActivation(ActivationFunction.RELU))
                .add(BatchNormalization.of())
                .add(Dense.of(3).withActivation(ActivationFunction.LINEAR))
                .add(Activation.of(ActivationFunction.SOFTMAX))
                .build();
        assertMatchesReference(randomized(model, 3), dir.resolve("layers.safetensors"), 5);
    }

    @Test
    void saveAndLoadGiveIdenticalPredictions(@TempDir Path dir) throws IOException {
        SavedModel saved = randomized(ReferenceModels.cifar10Cnn(), 17);
        float[] images = randomImages(saved.model().inputShape(), 4, 2);
        Path first = dir.resolve("first.safetensors");
        Path second = dir.resolve("second.safetensors");
        ModelFile.save(first, saved);
        float[] before;
        try (Model model = Model.fromSaved(ModelFile.load(first), backend(), Device.cpu())) {
            before = model.predictProbabilities(images, 4);
            ModelFile.save(second, model.toSavedModel());
        }
        try (Model model = Model.fromSaved(ModelFile.load(second), backend(), Device.cpu())) {
            assertArrayEquals(before, model.predictProbabilities(images, 4));
        }
    }

    @Test
    void learnsASmallSeparableTask() {
        assumeTrue(backend().can(Capability.TRAIN), backend().name() + " cannot train");
        Shape shape = Shape.image(12, 12, 3);
        ImageDataset train = SyntheticImages.bands(384, shape, 4, 1);
        ImageDataset test = SyntheticImages.bands(128, shape, 4, 2);
        try (Model model = Model.compile(smallCnn(shape), backend(), CompileOptions.of(Adam.withLearningRate(0.01)),
                Device.cpu(), 21)) {
            model.fit(train, FitOptions.builder().epochs(3).batchSize(32).seed(21).build());
            Evaluation evaluation = model.evaluate(test, 64);
            assertTrue(evaluation.accuracy() >= 0.9, "accuracy " + evaluation.accuracy());
        }
    }

    @Test
    void theSameSeedTrainsToTheSameWeights() {
        assumeTrue(backend().can(Capability.TRAIN), backend().name() + " cannot train");
        Shape shape = Shape.image(12, 12, 3);
        ImageDataset train = SyntheticImages.bands(96, shape, 4, 1);
        // Dropout masks included: a backend drawing them from an unseeded generator fails here.
        Weights first = trainBriefly(smallCnn(shape), train, 21);
        Weights second = trainBriefly(smallCnn(shape), train, 21);
        for (String key : first.asMap().keySet()) {
            assertArrayEquals(first.get(key).toArray(), second.get(key).toArray(),
                    key + " differs between two runs with seed 21");
        }
    }

    @Test
    void frozenLayersKeepTheirWeightsAndBatchNormStatisticsInTraining() {
        assumeTrue(backend().can(Capability.TRAIN), backend().name() + " cannot train");
        Shape shape = Shape.image(12, 12, 3);
        // Keras's transfer learning: the base (convolution and its batch norm) frozen, the head trained.
        SavedModel base = randomized(smallCnn(shape).withFrozen(Set.of("conv2d", "batch_normalization")), 5);
        Weights after;
        try (Model model = Model.fineTune(base, backend(), CompileOptions.of(Adam.withLearningRate(0.01)),
                Device.cpu(), 5)) {
            model.fit(SyntheticImages.bands(96, shape, 4, 1), FitOptions.builder().epochs(1).batchSize(32).seed(5)
                    .build());
            after = model.toSavedModel().weights();
        }
        for (String key : List.of("conv2d/kernel", "conv2d/bias", "batch_normalization/gamma",
                "batch_normalization/beta", "batch_normalization/moving_mean", "batch_normalization/moving_variance")) {
            assertArrayEquals(base.weights().get(key).toArray(), after.get(key).toArray(), key + " of a frozen layer");
        }
        assertTrue(base.weights().get("dense/kernel").maxAbsDifference(after.get("dense/kernel")) > 0,
                "the head trains");
    }

    private Weights trainBriefly(Sequential model, ImageDataset train, long seed) {
        try (Model compiled = Model.compile(model, backend(), CompileOptions.reference(), Device.cpu(), seed)) {
            compiled.fit(train, FitOptions.builder().epochs(2).batchSize(32).seed(seed).build());
            return compiled.toSavedModel().weights();
        }
    }

    /** A CNN with every trainable layer kind, dropout and a max-norm constraint, quick to train. */
    private static Sequential smallCnn(Shape shape) {
        return Sequential.builder(shape)
                .add(Conv2D.of(8, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU))
                .add(BatchNormalization.of())
                .add(MaxPooling2D.of(2))
                .add(Dropout.of(0.1))
                .add(Flatten.of())
                .add(Dense.of(16).withActivation(ActivationFunction.RELU).withKernelConstraint(MaxNorm.of(3)))
                .add(Dense.of(4).withActivation(ActivationFunction.SOFTMAX))
                .build();
    }

    @Test
    void threadsSharingOneModelPredictAsOneThreadDoes() {
        int threads = 8;
        int callsPerThread = 200;
        int largestBatch = 17;
        SavedModel saved = randomized(smallCnn(Shape.image(12, 12, 3)), 29);
        Shape shape = saved.model().inputShape();
        assertTimeoutPreemptively(THREADED_TIMEOUT, () -> {
            try (Model model = Model.fromSaved(saved, backend(), Device.cpu())) {
                // One input per batch size; its single-threaded probabilities are the expected answer.
                float[][] images = new float[largestBatch + 1][];
                float[][] expected = new float[largestBatch + 1][];
                for (int n = 1; n <= largestBatch; n++) {
                    images[n] = randomImages(shape, n, 100 + n);
                    expected[n] = model.predictProbabilities(images[n], n);
                }
                List<Callable<String>> tasks = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long seed = t;
                    tasks.add(() -> {
                        SplittableRandom random = new SplittableRandom(seed);
                        for (int call = 0; call < callsPerThread; call++) {
                            int n = 1 + random.nextInt(largestBatch);
                            String difference = difference(expected[n], model.predictProbabilities(images[n], n));
                            if (difference != null) {
                                return "thread " + seed + ", call " + call + ", " + n + " images: " + difference;
                            }
                        }
                        return null;
                    });
                }
                assertAllAgree(runTogether(tasks, () -> { }), threads + " threads x " + callsPerThread
                        + " predictions");
            }
        }, () -> threads + " threads x " + callsPerThread + " predictions on one " + backend().name()
                + " model did not finish within " + THREADED_TIMEOUT.toSeconds() + " s: a deadlock or a hang");
    }

    @Test
    void threadsSharingOneModelEvaluateAsOneThreadDoes() {
        int threads = 4;
        Shape shape = Shape.image(12, 12, 3);
        SavedModel saved = randomized(smallCnn(shape), 31);
        ImageDataset data = SyntheticImages.bands(100, shape, 4, 3);
        assertTimeoutPreemptively(THREADED_TIMEOUT, () -> {
            try (Model model = Model.fromSaved(saved, backend(), Device.cpu())) {
                // 13 does not divide 100: every evaluation also runs a smaller last batch.
                Evaluation expected = model.evaluate(data, 13);
                List<Callable<String>> tasks = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    tasks.add(() -> {
                        for (int call = 0; call < 10; call++) {
                            Evaluation actual = model.evaluate(data, 13);
                            if (!Arrays.deepEquals(expected.confusion(), actual.confusion())
                                    || Math.abs(expected.loss() - actual.loss()) > THREADED_TOLERANCE) {
                                return "call " + call + ": loss " + actual.loss() + ", confusion "
                                        + Arrays.deepToString(actual.confusion()) + "; alone: loss "
                                        + expected.loss() + ", confusion "
                                        + Arrays.deepToString(expected.confusion());
                            }
                        }
                        return null;
                    });
                }
                assertAllAgree(runTogether(tasks, () -> { }), threads + " threads evaluating");
            }
        }, () -> threads + " threads evaluating one " + backend().name() + " model did not finish within "
                + THREADED_TIMEOUT.toSeconds() + " s: a deadlock or a hang");
    }

    @Test
    void closingAModelWhileThreadsPredictFailsTheirLaterCallsCleanly() {
        int threads = 4;
        Shape shape = Shape.image(12, 12, 3);
        SavedModel saved = randomized(smallCnn(shape), 37);
        float[] images = randomImages(shape, 5, 3);
        assertTimeoutPreemptively(THREADED_TIMEOUT, () -> {
            Model model = Model.fromSaved(saved, backend(), Device.cpu());
            float[] expected = model.predictProbabilities(images, 5);
            CountDownLatch predicting = new CountDownLatch(threads);
            List<Callable<String>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(() -> {
                    predicting.countDown();
                    try {
                        while (true) {
                            String difference = difference(expected, model.predictProbabilities(images, 5));
                            if (difference != null) {
                                return "while closing, " + difference;
                            }
                        }
                    } catch (IllegalStateException e) {
                        return null; // what a call after close gets
                    }
                });
            }
            assertAllAgree(runTogether(tasks, () -> {
                try {
                    predicting.await();
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                model.close();
            }), "predictions while closing");
        }, () -> "closing one " + backend().name() + " model while " + threads + " threads predict did not finish"
                + " within " + THREADED_TIMEOUT.toSeconds() + " s: a deadlock or a hang");
    }

    /**
     * Runs {@code tasks} on threads of their own, all at once, runs {@code meanwhile} on this thread,
     * and then waits for each task's answer.
     */
    private static List<String> runTogether(List<Callable<String>> tasks, Runnable meanwhile)
            throws InterruptedException {
        // Daemon threads: a task stuck in native code must not keep the test JVM alive after the timeout.
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size(), runnable -> {
            Thread thread = new Thread(runnable, "conformance-thread");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<String>> futures = tasks.stream().map(pool::submit).toList();
            meanwhile.run();
            List<String> answers = new ArrayList<>();
            for (Future<String> future : futures) {
                try {
                    answers.add(future.get());
                } catch (ExecutionException e) {
                    throw new AssertionError("A thread failed: " + e.getCause(), e.getCause());
                }
            }
            return answers;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private void assertAllAgree(List<String> differences, String what) {
        List<String> found = differences.stream().filter(d -> d != null).toList();
        assertTrue(found.isEmpty(), what + " on one " + backend().name() + " model differ from one thread alone: "
                + found);
    }

    /** Where {@code actual} differs from {@code expected} by more than the tolerance, or null. */
    private static String difference(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            return actual.length + " probabilities, expected " + expected.length;
        }
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= THREADED_TOLERANCE)) {
                return "probability " + i + " is " + actual[i] + ", alone " + expected[i];
            }
        }
        return null;
    }

    @Test
    void trainingIsRefusedUpFrontWithoutTheCapability() {
        assumeTrue(!backend().can(Capability.TRAIN), backend().name() + " can train");
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> Model.compile(ReferenceModels.cifar10Cnn(), backend(), CompileOptions.reference(),
                        Device.cpu(), 1));
        assertTrue(e.getMessage().contains("lacks capability TRAIN"), e.getMessage());
    }

    @Test
    void imagesOfAnotherSizeAreRejected() {
        try (Model model = Model.fromSaved(randomized(ReferenceModels.cifar10Cnn(), 1), backend(), Device.cpu())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.predict(SyntheticImages.bands(2, Shape.image(28, 28, 1), 2, 1), 2, 1));
            assertTrue(e.getMessage().contains("(None, 28, 28, 1)") && e.getMessage().contains("(None, 32, 32, 3)"),
                    e.getMessage());
        }
    }

    @Test
    void aTruncatedModelFileIsAClearError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(file, randomized(Sequential.of(Shape.image(4, 4, 1), Flatten.of(),
                Dense.of(2).withActivation(ActivationFunction.SOFTMAX)), 1));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 7));
        Exception e = assertThrows(Exception.class, () -> ModelFile.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    /** Saves, loads on the backend, and compares its probabilities with the reference forward pass. */
    protected void assertMatchesReference(SavedModel saved, Path file, int count) throws IOException {
        ModelFile.save(file, saved);
        float[] images = randomImages(saved.model().inputShape(), count, 9);
        float[] expected = ReferenceForwardPass.predict(saved.model(), saved.weights(), images, count);
        try (Model model = Model.fromSaved(ModelFile.load(file), backend(), Device.cpu())) {
            float[] actual = model.predictProbabilities(images, count);
            assertEquals(expected.length, actual.length);
            double maxDifference = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDifference = Math.max(maxDifference, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(maxDifference <= PROBABILITY_TOLERANCE, backend().name() + " differs from the reference by "
                    + maxDifference);
        }
    }

    /**
     * A model with Glorot weights and non-trivial biases and batch-norm statistics, so that a backend
     * ignoring any of them fails the comparison.
     */
    public static SavedModel randomized(Network model, long seed) {
        Weights initial = model.initialWeights(seed);
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            FloatTensor tensor = initial.get(weight.key());
            String name = weight.spec().name();
            if (name.equals("kernel")) {
                builder.put(weight.key(), tensor);
                continue;
            }
            float[] values = tensor.toArray();
            for (int i = 0; i < values.length; i++) {
                values[i] = switch (name) {
                    case "moving_variance", "gamma" -> (float) (0.5 + random.nextDouble());
                    default -> (float) (random.nextDouble() - 0.5) * 0.2f;
                };
            }
            builder.put(weight.key(), FloatTensor.wrap(tensor.shape(), values));
        }
        List<String> classes = IntStream.range(0, model.numClasses()).mapToObj(i -> "class" + i)
                .toList();
        return SavedModel.of(model, builder.build(), classes);
    }

    /** Random pixel values in [0, 1], as scaled images are. */
    public static float[] randomImages(Shape shape, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] images = new float[count * shape.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextInt(256) / 255f;
        }
        return images;
    }
}
