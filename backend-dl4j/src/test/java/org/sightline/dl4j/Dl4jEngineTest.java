package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.sightline.conformance.EngineContractTest;
import org.sightline.conformance.LayerConformanceTest;
import org.sightline.data.Batch;
import org.sightline.model.FloatTensor;
import org.sightline.model.Sequential;
import org.sightline.model.Weights;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;

/**
 * What only this backend checks at the engine level: its traced programs reuse their arrays from call to
 * call, and predictions during training see whole steps. The engine contract every training backend
 * shares is the kit's {@code EngineContractTest} (run by {@link Dl4jEngineContractTest}), and every
 * layer's forward pass and gradients are the kit's {@code LayerConformanceTest}.
 */
class Dl4jEngineTest {
    private static final Adam ADAM = Adam.withLearningRate(0.01);

    @BeforeAll
    static void startNd4j() {
        NativeRuntime.start();
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
    void gradientsAreTheSameOnEveryCall() {
        // The per-pass arrays are reused between calls; an op that accumulates into its output would drift.
        Sequential model = EngineContractTest.trainableModel();
        Batch batch = randomBatch(model, 6, 15);
        try (Dl4jEngine engine = trainingEngine(model, LayerConformanceTest.randomWeights(model, 5))) {
            Map<String, FloatTensor> first = crossEntropyGradients(engine, batch);
            for (int call = 0; call < 2; call++) {
                assertEquals(first, crossEntropyGradients(engine, batch), "gradients of call " + (call + 2));
            }
        }
    }

    @Test
    void predictionsDuringTrainingSeeTheWeightsOfAWholeStep() {
        Sequential model = EngineContractTest.trainableModel();
        float[] images = randomBatch(model, 4, 3).images();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (Dl4jEngine engine = trainingEngine(model, LayerConformanceTest.randomWeights(model, 5))) {
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

}
