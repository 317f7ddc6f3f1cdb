package org.sightline.bench.dl4j;

import com.google.common.base.Stopwatch;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.bench.BenchmarkSettings;
import org.sightline.bench.NetworkFlops;
import org.sightline.bench.ProcessCpu;
import org.sightline.data.Batch;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.compile.CompileOptions;

/**
 * Speed of this backend on the reference CIFAR-10 model with random data: the median time of one
 * training step at batch 64 and inference throughput at batch 256. Warm-up steps are not counted
 * (the first steps create oneDNN primitives and allocate the network's per-pass arrays).
 *
 * <pre>{@code
 * java -cp ... org.sightline.bench.dl4j.Dl4jBenchmark [trainSteps] [inferenceBatches]
 * }</pre>
 */
public final class Dl4jBenchmark implements BackendBenchmark {
    /** The backend this benchmark measures, as {@link Backends} knows it. */
    public static final String BACKEND = "dl4j";
    public static final int TRAIN_BATCH = 64;
    public static final int INFERENCE_BATCH = 256;
    private static final int WARMUP = 3;

    /**
     * @param medianStepSeconds        median wall time of one training step at batch {@value #TRAIN_BATCH}
     * @param inferenceImagesPerSecond images per second through {@code predict} at batch {@value #INFERENCE_BATCH}
     * @param trainSteps               timed training steps
     * @param inferenceBatches         timed inference batches
     * @param fastestStepSeconds       the fastest timed step, less disturbed by other processes than the median
     * @param cpuSecondsPerStep        CPU time of this process per timed step (all threads); near twice the
     *                                 wall time when both cores work for the step and nothing else competes
     */
    public record Result(double medianStepSeconds, double inferenceImagesPerSecond, int trainSteps,
            int inferenceBatches, double fastestStepSeconds, double cpuSecondsPerStep) {

        /** The median step in milliseconds and the throughput; this benchmark has no baseline of its own. */
        public BenchmarkResult toBenchmarkResult() {
            Sequential model = ReferenceModels.cifar10Cnn();
            return new BenchmarkResult(BACKEND, List.of(
                    Figure.of("training step, batch " + TRAIN_BATCH, Figure.MILLIS, medianStepSeconds * 1000)
                            .withFlops((double) TRAIN_BATCH * NetworkFlops.training(model)),
                    Figure.of("inference, batch " + INFERENCE_BATCH, Figure.IMAGES_PER_SECOND,
                            inferenceImagesPerSecond).withFlops(NetworkFlops.inference(model))), toString());
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "dl4j: median training step %.3f s (batch %d, %d steps; fastest %.3f s, %.2f CPU s per step), "
                            + "inference %.0f images/s (batch %d, %d batches)",
                    medianStepSeconds, TRAIN_BATCH, trainSteps, fastestStepSeconds, cpuSecondsPerStep,
                    inferenceImagesPerSecond, INFERENCE_BATCH, inferenceBatches);
        }
    }

    /** For {@link java.util.ServiceLoader}; the work is in {@link #run(BenchmarkSettings)}. */
    public Dl4jBenchmark() {
    }

    @Override
    public String name() {
        return BACKEND;
    }

    /** Times rounds × steps training steps and steps inference batches. */
    @Override
    public BenchmarkResult run(BenchmarkSettings settings) {
        return run(settings.rounds() * settings.steps(), settings.steps()).toBenchmarkResult();
    }

    /** Times {@code trainSteps} training steps and {@code inferenceBatches} predictions after a warm-up. */
    public static Result run(int trainSteps, int inferenceBatches) {
        if (trainSteps < 1 || inferenceBatches < 1) {
            throw new IllegalArgumentException("Need at least one step and one batch, got " + trainSteps + " and "
                    + inferenceBatches);
        }
        Sequential model = ReferenceModels.cifar10Cnn();
        SplittableRandom random = new SplittableRandom(21);
        EngineRequest request = EngineRequest.training(model, model.initialWeights(21), CompileOptions.reference(),
                Device.cpu(), 21);
        try (ModelEngine engine = Backends.get(BACKEND).createEngine(request)) {
            Batch batch = Batch.random(model.inputShape(), model.numClasses(), TRAIN_BATCH, random);
            double[] seconds = new double[trainSteps];
            long cpuStart = 0;
            for (int i = 0; i < WARMUP + trainSteps; i++) {
                if (i == WARMUP) {
                    cpuStart = ProcessCpu.nanos();
                }
                Stopwatch step = Stopwatch.createStarted();
                engine.trainOnBatch(batch);
                if (i >= WARMUP) {
                    seconds[i - WARMUP] = step.elapsed().toNanos() / 1e9;
                }
            }
            double cpuPerStep = (ProcessCpu.nanos() - cpuStart) / 1e9 / trainSteps;
            Arrays.sort(seconds);
            double median = trainSteps % 2 == 1 ? seconds[trainSteps / 2]
                    : (seconds[trainSteps / 2 - 1] + seconds[trainSteps / 2]) / 2;

            float[] images = Batch.random(model.inputShape(), model.numClasses(), INFERENCE_BATCH, random).images();
            engine.predict(images, INFERENCE_BATCH);
            Stopwatch inference = Stopwatch.createStarted();
            for (int i = 0; i < inferenceBatches; i++) {
                engine.predict(images, INFERENCE_BATCH);
            }
            double throughput = (double) INFERENCE_BATCH * inferenceBatches / (inference.elapsed().toNanos() / 1e9);
            return new Result(median, throughput, trainSteps, inferenceBatches, seconds[0], cpuPerStep);
        }
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int batches = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        System.out.println(run(steps, batches));
    }
}
