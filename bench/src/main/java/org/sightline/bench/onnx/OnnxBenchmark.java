package org.sightline.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.common.base.Stopwatch;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.bench.BenchmarkSettings;
import org.sightline.bench.NetworkFlops;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Weights;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.onnx.OnnxExporter;
import org.sightline.spi.ModelEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the backend against a bare ONNX Runtime session on the reference CIFAR-10 model, in the
 * same process: throughput at batch 256, latency at batch 1, and resident-memory growth over many
 * batch-1 predictions. The bare session gets exactly what a hand-written caller would give it (a
 * heap buffer wrapped into an {@link OnnxTensor}), so the ratio is the cost of the backend's layer.
 * Backend and bare calls alternate one by one, so drift in the machine's load hits both sides alike,
 * and each figure is the best round's: other processes only ever slow a run down, so the fastest
 * round is the closest to the runtime's own speed (as Python's {@code timeit} reports its minimum).
 *
 * <pre>{@code
 * java -cp ... org.sightline.bench.onnx.OnnxBenchmark
 * }</pre>
 */
public final class OnnxBenchmark implements BackendBenchmark {
    /** The backend this benchmark measures, as {@link Backends} knows it. */
    public static final String BACKEND = "onnx";
    static final String BARE = "bare OrtSession";
    private static final Logger LOG = LoggerFactory.getLogger(OnnxBenchmark.class);
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    /** For {@link java.util.ServiceLoader}; the work is in {@link #run(BenchmarkSettings)}. */
    public OnnxBenchmark() {
    }

    @Override
    public String name() {
        return BACKEND;
    }

    /**
     * Batch 256, {@code steps} batches and {@code latencyRuns} batch-1 predictions per round; resident
     * memory over 20 times {@code memorySteps} batch-1 predictions (at least one), after a tenth as many.
     */
    @Override
    public BenchmarkResult run(BenchmarkSettings settings) {
        int predictions = Math.max(1, 20 * settings.memorySteps());
        return run(new Settings(256, settings.steps(), settings.latencyRuns(), settings.rounds(), predictions / 10,
                predictions)).toBenchmarkResult();
    }

    /**
     * How long to measure.
     *
     * @param batchSize          images per batch in the throughput runs
     * @param throughputBatches  batches per round and side in the throughput runs
     * @param latencyRuns        batch-1 predictions per round and side in the latency runs
     * @param rounds             alternating rounds; each figure is the best of them
     * @param memoryWarmup       batch-1 predictions before the first resident-memory reading
     * @param memoryPredictions  batch-1 predictions between the two readings
     */
    public record Settings(int batchSize, int throughputBatches, int latencyRuns, int rounds, int memoryWarmup,
            int memoryPredictions) {

        public Settings {
            if (batchSize <= 0 || throughputBatches <= 0 || latencyRuns <= 0 || rounds <= 0 || memoryWarmup < 0
                    || memoryPredictions <= 0) {
                throw new IllegalArgumentException("Benchmark settings must be positive, got batchSize=" + batchSize
                        + ", throughputBatches=" + throughputBatches + ", latencyRuns=" + latencyRuns + ", rounds="
                        + rounds + ", memoryWarmup=" + memoryWarmup + ", memoryPredictions=" + memoryPredictions);
            }
        }

        /** Batch 256, 7 rounds, 20,000 predictions for the memory check: under a minute on 2 cores. */
        public static Settings defaults() {
            return new Settings(256, 4, 500, 7, 2000, 20_000);
        }
    }

    /**
     * What was measured.
     *
     * @param backendImagesPerSecond throughput through the backend at the batch size
     * @param bareImagesPerSecond    throughput of the bare session
     * @param backendLatencyMillis   mean batch-1 latency through the backend, in the best round
     * @param bareLatencyMillis      mean batch-1 latency of the bare session, in the best round
     * @param rssBeforeKb            resident memory after warm-up, or -1 where /proc is missing
     * @param rssAfterKb             resident memory after the memory predictions, or -1
     */
    public record Result(Settings settings, String runtimeVersion, int cores, double backendImagesPerSecond,
            double bareImagesPerSecond, double backendLatencyMillis, double bareLatencyMillis, long rssBeforeKb,
            long rssAfterKb) {

        /** Backend throughput over bare throughput; the target is at least 0.95. */
        public double throughputRatio() {
            return backendImagesPerSecond / bareImagesPerSecond;
        }

        /** Growth of resident memory over the memory predictions, in percent; the target is below 5. */
        public double rssGrowthPercent() {
            return rssBeforeKb <= 0 ? Double.NaN : 100.0 * (rssAfterKb - rssBeforeKb) / rssBeforeKb;
        }

        /** The throughput and the batch-1 latency, each against the bare session's. */
        public BenchmarkResult toBenchmarkResult() {
            long perImage = NetworkFlops.inference(ReferenceModels.cifar10Cnn());
            return new BenchmarkResult(BACKEND, List.of(
                    Figure.against("inference, batch " + settings.batchSize(), Figure.IMAGES_PER_SECOND,
                            backendImagesPerSecond, BARE, bareImagesPerSecond).withFlops(perImage),
                    Figure.against("latency, batch 1", Figure.MILLIS, backendLatencyMillis, BARE,
                            bareLatencyMillis).withFlops(perImage)), report());
        }

        /** The figures as lines of text. */
        public String report() {
            return String.format(Locale.ROOT, String.join("%n",
                    "ONNX Runtime %s, %d cores, reference CIFAR-10 CNN",
                    "throughput batch %d: backend %.0f images/s, bare OrtSession %.0f images/s, ratio %.3f",
                    "latency batch 1:    backend %.3f ms, bare OrtSession %.3f ms",
                    "resident memory over %,d batch-1 predictions: %,d kB -> %,d kB (%+.2f%%)"),
                    runtimeVersion, cores, settings.batchSize(), backendImagesPerSecond, bareImagesPerSecond,
                    throughputRatio(), backendLatencyMillis, bareLatencyMillis, settings.memoryPredictions(),
                    rssBeforeKb, rssAfterKb, rssGrowthPercent());
        }
    }

    public static void main(String[] args) {
        System.out.println(run(Settings.defaults()).report());
    }

    /** Runs the benchmark; takes from seconds to about a minute depending on {@code settings}. */
    public static Result run(Settings settings) {
        Sequential model = ReferenceModels.cifar10Cnn();
        Weights weights = model.initialWeights(ReferenceModels.CIFAR10_SEED);
        int imageSize = model.inputShape().size();
        float[] batch = randomImages(settings.batchSize() * imageSize, 1);
        float[] single = randomImages(imageSize, 2);
        long[] batchShape = {settings.batchSize(), 32, 32, 3};
        long[] singleShape = {1, 32, 32, 3};

        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        byte[] onnx = OnnxExporter.toBytes(model, weights, List.of());
        try (ModelEngine engine = Backends.get(BACKEND)
                .createEngine(EngineRequest.inference(model, weights, Device.cpu()));
                OrtSession bare = environment.createSession(onnx)) {
            Runnable backendBatch = () -> engine.predict(batch, settings.batchSize());
            Runnable bareBatch = () -> bareRun(environment, bare, batch, batchShape);
            Runnable backendSingle = () -> engine.predict(single, 1);
            Runnable bareSingle = () -> bareRun(environment, bare, single, singleShape);
            // Warm both sides up: first runs allocate arenas and pick kernels.
            repeat(backendBatch, 2);
            repeat(bareBatch, 2);
            repeat(backendSingle, 100);
            repeat(bareSingle, 100);

            double[] backendThroughput = new double[settings.rounds()];
            double[] bareThroughput = new double[settings.rounds()];
            double[] backendLatency = new double[settings.rounds()];
            double[] bareLatency = new double[settings.rounds()];
            for (int round = 0; round < settings.rounds(); round++) {
                double images = (double) settings.batchSize() * settings.throughputBatches();
                double[] batchSeconds = alternate(backendBatch, bareBatch, settings.throughputBatches());
                backendThroughput[round] = images / batchSeconds[0];
                bareThroughput[round] = images / batchSeconds[1];
                double[] singleSeconds = alternate(backendSingle, bareSingle, settings.latencyRuns());
                backendLatency[round] = 1000 * singleSeconds[0] / settings.latencyRuns();
                bareLatency[round] = 1000 * singleSeconds[1] / settings.latencyRuns();
                LOG.info("round {}: {} vs {} images/s, {} vs {} ms", round, backendThroughput[round],
                        bareThroughput[round], backendLatency[round], bareLatency[round]);
            }

            repeat(backendSingle, settings.memoryWarmup());
            System.gc();
            long before = residentKb().orElse(-1);
            repeat(backendSingle, settings.memoryPredictions());
            System.gc();
            long after = residentKb().orElse(-1);
            return new Result(settings, environment.getVersion(), Runtime.getRuntime().availableProcessors(),
                    max(backendThroughput), max(bareThroughput), min(backendLatency), min(bareLatency),
                    before, after);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed in the benchmark: " + e.getMessage(), e);
        }
    }

    /** What a caller without Sightline writes: wrap the floats, run, copy the output out, close both. */
    private static float[] bareRun(OrtEnvironment environment, OrtSession session, float[] images, long[] shape) {
        try (OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(images), shape);
                OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT_NAME, input))) {
            FloatBuffer output = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] probabilities = new float[output.remaining()];
            output.get(probabilities);
            return probabilities;
        } catch (OrtException e) {
            throw new IllegalStateException("Bare ONNX Runtime session failed: " + e.getMessage(), e);
        }
    }

    /** The resident set size of this process from /proc/self/status, where there is one. */
    static OptionalLong residentKb() {
        if (!Files.isReadable(PROC_STATUS)) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.substring(6).trim().split("\\s+")[0]));
                }
            }
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            LOG.warn("Cannot read VmRSS from {}: {}", PROC_STATUS, e.toString());
            return OptionalLong.empty();
        }
    }

    /** Runs {@code first} and {@code second} alternately {@code times} each; their total seconds. */
    private static double[] alternate(Runnable first, Runnable second, int times) {
        Stopwatch firstTime = Stopwatch.createUnstarted();
        Stopwatch secondTime = Stopwatch.createUnstarted();
        for (int i = 0; i < times; i++) {
            firstTime.start();
            first.run();
            firstTime.stop();
            secondTime.start();
            second.run();
            secondTime.stop();
        }
        return new double[] {firstTime.elapsed().toNanos() / 1e9, secondTime.elapsed().toNanos() / 1e9};
    }

    private static void repeat(Runnable action, int times) {
        for (int i = 0; i < times; i++) {
            action.run();
        }
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static float[] randomImages(int values, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] images = new float[values];
        for (int i = 0; i < values; i++) {
            images[i] = (float) random.nextDouble();
        }
        return images;
    }
}
