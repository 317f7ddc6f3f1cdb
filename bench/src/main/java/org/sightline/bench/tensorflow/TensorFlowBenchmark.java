package org.sightline.bench.tensorflow;

import com.google.common.base.Stopwatch;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.IntSupplier;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.bench.BenchmarkSettings;
import org.sightline.bench.NetworkFlops;
import org.sightline.bench.ProcessCpu;
import org.sightline.data.Batch;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Shape;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;

/**
 * Speed and memory of the backend on the reference CIFAR-10 CNN and on ResNet-20, each against the
 * same network written by hand in plain TensorFlow Java ({@link PlainCifarGraph}) in the same process
 * with the same session settings, on random data. Both are timed in alternating rounds so that a noisy machine slows both
 * alike. Then resident memory (VmRSS) is sampled over further training steps, which must not
 * grow it. The Java heap counts in VmRSS only once its pages are first used, so run with
 * {@code -Xms} equal to {@code -Xmx} and {@code -XX:+AlwaysPreTouch} to see native growth alone.
 *
 * <pre>{@code
 * TF_ENABLE_ONEDNN_OPTS=1 java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp ... org.sightline.bench.tensorflow.TensorFlowBenchmark \
 *     steps=10 memorySteps=2000
 * }</pre>
 */
public final class TensorFlowBenchmark implements BackendBenchmark {
    /** The backend this benchmark measures, as {@link Backends} knows it. */
    public static final String BACKEND = "tensorflow";
    static final String PLAIN = "plain TF graph";
    static final String RESNET20 = "ResNet-20";
    private static final int TRAIN_BATCH = ReferenceModels.CIFAR10_BATCH_SIZE;
    private static final int INFER_BATCH = 256;
    private static final int MEMORY_SAMPLES = 10;
    /** Single-image predictions per round and graph: the latency a predictor serving one photo sees. */
    private static final int LATENCY_RUNS = 50;

    /** For {@link java.util.ServiceLoader}; the work is in {@link #run(BenchmarkSettings)}. */
    public TensorFlowBenchmark() {
    }

    @Override
    public String name() {
        return BACKEND;
    }

    /** Runs on the CPU with the settings' warmup, rounds, steps and memory steps. */
    @Override
    public BenchmarkResult run(BenchmarkSettings settings) {
        return run(new Settings(settings.warmup(), settings.rounds(), settings.steps(), settings.memorySteps(),
                Device.cpu(), settings.precision())).toBenchmarkResult();
    }

    /**
     * What to run.
     *
     * @param warmup      untimed steps of each kind first, for each graph
     * @param rounds      alternating timed rounds
     * @param steps       timed training steps (and inference batches) per round and graph
     * @param memorySteps backend training steps over which resident memory is sampled
     * @param device      where both graphs run
     * @param precision   what the backend computes in; the plain graph computes in float32
     */
    public record Settings(int warmup, int rounds, int steps, int memorySteps, Device device, Precision precision) {
        public Settings {
            Objects.requireNonNull(precision, "Settings.precision");
            if (warmup < 0 || rounds < 1 || steps < 1 || memorySteps < 0) {
                throw new IllegalArgumentException("Benchmark needs warmup >= 0, rounds >= 1, steps >= 1, "
                        + "memorySteps >= 0, got " + warmup + ", " + rounds + ", " + steps + ", " + memorySteps);
            }
        }

        /** A short run: a few dozen timed steps of each kind. */
        public static Settings quick() {
            return new Settings(5, 3, 10, 100, Device.cpu(), Precision.FLOAT32);
        }
    }

    /**
     * One network's figures: median milliseconds per training step at batch 64, images per second at batch
     * 256 and milliseconds per single-image prediction, for the backend and the plain graph, and CPU
     * milliseconds per training step.
     */
    public record Timing(double backendStepMs, double plainStepMs, double backendImagesPerSecond,
            double plainImagesPerSecond, double backendLatencyMs, double plainLatencyMs, double backendStepCpuMs,
            double plainStepCpuMs) {

        /** Plain step time over backend step time: 1 means no overhead. */
        public double trainingRatio() {
            return plainStepMs / backendStepMs;
        }

        /** Backend throughput over plain throughput. */
        public double inferenceRatio() {
            return backendImagesPerSecond / plainImagesPerSecond;
        }

        String report(String network) {
            return String.format(Locale.ROOT, """
                    %s, random data, %d cores
                    training step, batch %d:  backend %.1f ms   plain TF %.1f ms   ratio %.3f
                    inference, batch %d:      backend %.0f img/s  plain TF %.0f img/s  ratio %.3f
                    latency, batch 1:         backend %.3f ms  plain TF %.3f ms  ratio %.3f
                    CPU per training step:    backend %.1f ms   plain TF %.1f ms   ratio %.3f (all threads, steadier under load)
                    """, network, Runtime.getRuntime().availableProcessors(), TRAIN_BATCH, backendStepMs, plainStepMs,
                    trainingRatio(), INFER_BATCH, backendImagesPerSecond, plainImagesPerSecond, inferenceRatio(),
                    backendLatencyMs, plainLatencyMs, plainLatencyMs / backendLatencyMs, backendStepCpuMs,
                    plainStepCpuMs, plainStepCpuMs / backendStepCpuMs);
        }
    }

    /**
     * The figures of the reference CNN and of ResNet-20; resident memory in MB sampled eleven times
     * over {@code memorySteps} further training steps of the reference CNN, and the Java heap's
     * committed MB at the ends (the heap is part of the resident memory); what the backend computed in.
     */
    public record Result(Timing referenceCnn, Timing resnet20, List<Long> rssSamplesMb, long heapBeforeMb,
            long heapAfterMb, int memorySteps, boolean heapPreTouched, Precision precision) {

        public Result {
            rssSamplesMb = List.copyOf(rssSamplesMb);
            Objects.requireNonNull(precision, "Result.precision");
        }

        /** The plain graph, named with its precision where the backend's differs. */
        String baseline() {
            return precision == Precision.FLOAT32 ? PLAIN : PLAIN + ", float32";
        }

        public long rssBeforeMb() {
            return rssSamplesMb.get(0);
        }

        public long rssAfterMb() {
            return rssSamplesMb.get(rssSamplesMb.size() - 1);
        }

        /** Each network's step time and throughput against its plain graph's. */
        public BenchmarkResult toBenchmarkResult() {
            Network cnn = ReferenceModels.cifar10Cnn();
            Network resnet = ReferenceModels.resnet20(Shape.image(32, 32, 3), 10);
            return new BenchmarkResult(BACKEND, List.of(
                    Figure.against("training step, batch " + TRAIN_BATCH, Figure.MILLIS, referenceCnn.backendStepMs(),
                            baseline(), referenceCnn.plainStepMs()).withFlops((double) TRAIN_BATCH * NetworkFlops.training(cnn)),
                    Figure.against("inference, batch " + INFER_BATCH, Figure.IMAGES_PER_SECOND,
                            referenceCnn.backendImagesPerSecond(), baseline(), referenceCnn.plainImagesPerSecond())
                            .withFlops(NetworkFlops.inference(cnn)),
                    Figure.against("latency, batch 1", Figure.MILLIS, referenceCnn.backendLatencyMs(), baseline(),
                            referenceCnn.plainLatencyMs()).withFlops(NetworkFlops.inference(cnn)),
                    Figure.against(RESNET20 + " training step, batch " + TRAIN_BATCH, Figure.MILLIS,
                            resnet20.backendStepMs(), baseline(), resnet20.plainStepMs())
                            .withFlops((double) TRAIN_BATCH * NetworkFlops.training(resnet)),
                    Figure.against(RESNET20 + " inference, batch " + INFER_BATCH, Figure.IMAGES_PER_SECOND,
                            resnet20.backendImagesPerSecond(), baseline(), resnet20.plainImagesPerSecond())
                            .withFlops(NetworkFlops.inference(resnet))), report());
        }

        public String report() {
            String computing = precision == Precision.FLOAT32 ? ""
                    : "backend computing in " + precision + ", the plain TF graph in float32" + System.lineSeparator();
            return computing + referenceCnn.report("reference CNN (CIFAR-10 shape)")
                    + resnet20.report(RESNET20 + " (CIFAR-10)")
                    + String.format(Locale.ROOT, """
                    resident memory (reference CNN): %d MB before, %d MB after %d more training steps (%+d MB), samples %s MB
                    Java heap committed: %d MB before, %d MB after, %s""",
                    rssBeforeMb(), rssAfterMb(), memorySteps, rssAfterMb() - rssBeforeMb(), rssSamplesMb,
                    heapBeforeMb, heapAfterMb, heapPreTouched ? "pre-touched"
                            : "not pre-touched: growth may be the heap's first use of its pages (run with -Xms = -Xmx "
                                    + "and -XX:+AlwaysPreTouch to see native growth alone)");
        }
    }

    public static Result run(Settings settings) {
        Timing resnet20 = measure(PlainCifarGraph.Network.RESNET20, ReferenceModels.resnet20(Shape.image(32, 32, 3), 10), settings, (engine, batch) -> { });
        List<Long> rss = new ArrayList<>();
        long[] heap = new long[2];
        Timing reference = measure(PlainCifarGraph.Network.REFERENCE_CNN, ReferenceModels.cifar10Cnn(), settings,
                (engine, batch) -> {
                    heap[0] = Runtime.getRuntime().totalMemory() >> 20;
                    rss.add(residentMb());
                    for (int sample = 1; sample <= MEMORY_SAMPLES; sample++) {
                        int until = (int) ((long) settings.memorySteps() * sample / MEMORY_SAMPLES);
                        for (int i = (int) ((long) settings.memorySteps() * (sample - 1) / MEMORY_SAMPLES); i < until;
                                i++) {
                            engine.trainOnBatch(batch);
                        }
                        rss.add(residentMb());
                    }
                    heap[1] = Runtime.getRuntime().totalMemory() >> 20;
                });
        return new Result(reference, resnet20, rss, heap[0], heap[1], settings.memorySteps(),
                ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+AlwaysPreTouch"),
                settings.precision());
    }

    /**
     * Times {@code model} on the backend against its plain graph in alternating rounds, then hands the
     * backend's engine and training batch to {@code afterwards} (the memory samples).
     */
    private static Timing measure(PlainCifarGraph.Network network, Network model, Settings settings,
            BiConsumer<ModelEngine, Batch> afterwards) {
        Weights weights = model.initialWeights(ReferenceModels.CIFAR10_SEED);
        SplittableRandom random = new SplittableRandom(1);
        Batch train = Batch.random(model.inputShape(), model.numClasses(), TRAIN_BATCH, random);
        float[] inferImages = Batch.random(model.inputShape(), model.numClasses(), INFER_BATCH, random).images();
        float[] oneImage = Arrays.copyOf(inferImages, model.inputShape().size());

        try (ModelEngine backend = Backends.get(BACKEND).createEngine(EngineRequest.training(model, weights,
                CompileOptions.reference().withPrecision(settings.precision()), settings.device(),
                ReferenceModels.CIFAR10_SEED));
                PlainCifarGraph plain = new PlainCifarGraph(network, weights, ReferenceModels.CIFAR10_SEED,
                        settings.device())) {
            IntSupplier backendStep = () -> backend.trainOnBatch(train).count();
            IntSupplier plainStep = () -> (int) plain.trainStep(train.images(), train.oneHot(), TRAIN_BATCH);
            IntSupplier backendInfer = () -> backend.predict(inferImages, INFER_BATCH).length;
            IntSupplier plainInfer = () -> plain.predict(inferImages, INFER_BATCH).length;
            IntSupplier backendOne = () -> backend.predict(oneImage, 1).length;
            IntSupplier plainOne = () -> plain.predict(oneImage, 1).length;
            for (int i = 0; i < settings.warmup(); i++) {
                backendStep.getAsInt();
                plainStep.getAsInt();
                backendInfer.getAsInt();
                plainInfer.getAsInt();
                backendOne.getAsInt();
                plainOne.getAsInt();
            }
            List<Double> backendSteps = new ArrayList<>();
            List<Double> plainSteps = new ArrayList<>();
            long[] backendStepCpu = new long[1];
            long[] plainStepCpu = new long[1];
            List<Double> backendInfers = new ArrayList<>();
            List<Double> plainInfers = new ArrayList<>();
            List<Double> backendLatencies = new ArrayList<>();
            List<Double> plainLatencies = new ArrayList<>();
            for (int round = 0; round < settings.rounds(); round++) {
                time(backendStep, settings.steps(), backendSteps, backendStepCpu);
                time(plainStep, settings.steps(), plainSteps, plainStepCpu);
                time(backendInfer, settings.steps(), backendInfers, new long[1]);
                time(plainInfer, settings.steps(), plainInfers, new long[1]);
                time(backendOne, LATENCY_RUNS, backendLatencies, new long[1]);
                time(plainOne, LATENCY_RUNS, plainLatencies, new long[1]);
            }
            afterwards.accept(backend, train);
            return new Timing(median(backendSteps), median(plainSteps), INFER_BATCH * 1000 / median(backendInfers),
                    INFER_BATCH * 1000 / median(plainInfers), median(backendLatencies), median(plainLatencies),
                    backendStepCpu[0] / 1e6 / backendSteps.size(),
                    plainStepCpu[0] / 1e6 / plainSteps.size());
        }
    }

    /**
     * Runs the benchmark and prints its report. Arguments {@code key=value}: warmup, rounds, steps,
     * memorySteps, device ({@code cpu}, {@code gpu:N}).
     */
    public static void main(String[] args) {
        Settings d = Settings.quick();
        int warmup = d.warmup();
        int rounds = d.rounds();
        int steps = d.steps();
        int memorySteps = d.memorySteps();
        Device device = d.device();
        Precision precision = d.precision();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("Expected key=value, got '" + arg + "'");
            }
            switch (kv[0]) {
                case "warmup" -> warmup = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "steps" -> steps = Integer.parseInt(kv[1]);
                case "memorySteps" -> memorySteps = Integer.parseInt(kv[1]);
                case "device" -> device = Device.parse(kv[1]);
                case "precision" -> precision = Precision.fromKerasName(kv[1]);
                default -> throw new IllegalArgumentException("Unknown setting '" + kv[0]
                        + "', expected warmup, rounds, steps, memorySteps, device or precision");
            }
        }
        System.out.println(run(new Settings(warmup, rounds, steps, memorySteps, device, precision)).report());
    }

    /** Times {@code work} {@code times} times into {@code millis}, adding the CPU time it took to {@code cpuNanos[0]}. */
    private static void time(IntSupplier work, int times, List<Double> millis, long[] cpuNanos) {
        for (int i = 0; i < times; i++) {
            long cpu = ProcessCpu.nanos();
            Stopwatch watch = Stopwatch.createStarted();
            work.getAsInt();
            millis.add(watch.elapsed().toNanos() / 1e6);
            cpuNanos[0] += ProcessCpu.nanos() - cpu;
        }
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** This process's resident set size from /proc/self/status, in MB; -1 where there is none. */
    static long residentMb() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> Arrays.stream(l.split("\\s+")).filter(s -> s.matches("\\d+")).findFirst().orElseThrow())
                    .mapToLong(kb -> Long.parseLong(kb) / 1024).findFirst().orElse(-1);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + status, e);
        }
    }
}
