package org.sightline.bench.peers;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.bench.BenchmarkSettings;
import org.sightline.bench.NetworkFlops;
import org.sightline.bench.ProcessCpu;
import org.sightline.model.ReferenceModels;

/**
 * The reference CIFAR-10 CNN on DJL with PyTorch's CPU engine, written in DJL's blocks as a DJL user
 * would, timed as {@code TensorFlowBenchmark} times Sightline's backend: the median training step at
 * batch 64, inference images per second at batch 256 and the median batch-1 latency, on random data.
 *
 * <p>The network is the computation of {@code ReferenceModels.cifar10Cnn()}: convolutions of 32, 64, 64
 * and 128 filters (3×3, 'same') each with ReLU, dropout 0.2 and batch-norm (epsilon 1e-3), max-pools
 * after the second and third, flatten, dropout, dense 256 and 128 with ReLU, dropout and batch-norm, dense
 * 10; Adam with Keras's defaults (rate 1e-3, betas 0.9 and 0.999, epsilon 1e-7) and softmax
 * cross-entropy over the logits (integer labels, which PyTorch's loss takes; the same arithmetic as
 * one-hot labels). Two differences: DJL has no max-norm constraint, so the dense kernels are not
 * rescaled after each step (a few element-wise operations on 2.1 M weights, well under 1% of a step);
 * and PyTorch computes in NCHW, its native layout, rather than Sightline's NHWC. Weights are DJL's own
 * initialisation (the figures do not depend on the values).
 *
 * <p>What the engine needs, set before it loads unless already set: {@code ai.djl.offline=true}, so that
 * DJL never reaches for the network (the natives come from the {@code pytorch-native-cpu} and
 * {@code pytorch-jni} jars on the class path, which DJL extracts to its cache, {@code ~/.djl.ai} or
 * {@code DJL_CACHE_DIR}, on first use), and as many intra-op threads as available processors with one
 * inter-op thread ({@code ai.djl.pytorch.num_threads}, {@code ai.djl.pytorch.num_interop_threads}), the
 * settings Sightline's backends use.
 *
 * <p>Every step's arrays live in a sub-{@link NDManager} closed after the step: without it DJL keeps
 * each step's inputs, activations and gradients until the model closes (about 98 MB a step at batch
 * 64). The report gives the resident memory before and after the timed steps to show that it does not
 * grow.
 */
public final class DjlPyTorchBenchmark implements BackendBenchmark {
    /** This benchmark's name in {@code sightline bench}. */
    public static final String NAME = "djl-pytorch";
    static final int TRAIN_BATCH = ReferenceModels.CIFAR10_BATCH_SIZE;
    static final int INFER_BATCH = 256;
    private static final int CLASSES = 10;
    private static final Shape IMAGE = new Shape(3, 32, 32);
    private static final float DROPOUT = 0.2f;
    private static final float BN_EPSILON = 1e-3f;

    /** For {@link java.util.ServiceLoader}; the engine loads in {@link #run}. */
    public DjlPyTorchBenchmark() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean peer() {
        return true;
    }

    /**
     * What was measured: medians in milliseconds and images per second, the process's CPU milliseconds per
     * training step, and resident memory in MB before and after the timed training steps.
     */
    record Result(String engine, int threads, double stepMs, double imagesPerSecond, double latencyMs,
            double stepCpuMs, long rssBeforeMb, long rssAfterMb, int trainSteps) {

        BenchmarkResult toBenchmarkResult() {
            var model = ReferenceModels.cifar10Cnn();
            return new BenchmarkResult(NAME, List.of(
                    Figure.of("training step, batch " + TRAIN_BATCH, Figure.MILLIS, stepMs)
                            .withFlops((double) TRAIN_BATCH * NetworkFlops.training(model)),
                    Figure.of("inference, batch " + INFER_BATCH, Figure.IMAGES_PER_SECOND, imagesPerSecond)
                            .withFlops(NetworkFlops.inference(model)),
                    Figure.of("latency, batch 1", Figure.MILLIS, latencyMs).withFlops(NetworkFlops.inference(model))),
                    report());
        }

        String report() {
            return String.format(Locale.ROOT, String.join("%n",
                    "DJL with %s, %d intra-op threads, reference CNN (CIFAR-10 shape), random data",
                    "training step, batch %d: %.1f ms (%.1f CPU ms, all threads)",
                    "inference, batch %d:     %.0f img/s",
                    "latency, batch 1:        %.3f ms",
                    "resident memory: %d MB before, %d MB after %d timed training steps (%+d MB)"),
                    engine, threads, TRAIN_BATCH, stepMs, stepCpuMs, INFER_BATCH, imagesPerSecond, latencyMs,
                    rssBeforeMb, rssAfterMb, trainSteps, rssAfterMb - rssBeforeMb);
        }
    }

    /**
     * Warm-up steps of each kind, then {@code rounds} rounds of {@code steps} training steps, {@code steps}
     * batch-256 predictions and {@code latencyRuns} batch-1 predictions.
     */
    @Override
    public BenchmarkResult run(BenchmarkSettings settings) {
        return measure(settings).toBenchmarkResult();
    }

    static Result measure(BenchmarkSettings settings) {
        configureEngine();
        Engine engine = Engine.getEngine("PyTorch");
        SplittableRandom random = new SplittableRandom(ReferenceModels.CIFAR10_SEED);
        float[] trainImages = uniform(random, TRAIN_BATCH * IMAGE.size());
        float[] labels = new float[TRAIN_BATCH];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(CLASSES);
        }
        float[] inferImages = uniform(random, INFER_BATCH * IMAGE.size());
        float[] oneImage = Arrays.copyOf(inferImages, (int) IMAGE.size());

        try (Model model = Model.newInstance("cifar10-cnn", Device.cpu(), engine.getEngineName())) {
            model.setBlock(referenceCnn());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).optBeta1(0.9f)
                            .optBeta2(0.999f).optEpsilon(1e-7f).build())
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(TRAIN_BATCH).addAll(IMAGE));
                NDManager root = trainer.getManager();
                ParameterStore inference = new ParameterStore(root, false);
                DoubleSupplier step = () -> trainStep(trainer, root, trainImages, labels);
                DoubleSupplier infer = () -> predict(model.getBlock(), inference, root, inferImages, INFER_BATCH);
                DoubleSupplier one = () -> predict(model.getBlock(), inference, root, oneImage, 1);
                for (int i = 0; i < settings.warmup(); i++) {
                    step.getAsDouble();
                    infer.getAsDouble();
                    one.getAsDouble();
                }
                List<Double> steps = new ArrayList<>();
                List<Double> infers = new ArrayList<>();
                List<Double> latencies = new ArrayList<>();
                long rssBefore = residentMb();
                long cpu = 0;
                for (int round = 0; round < settings.rounds(); round++) {
                    long cpuStart = ProcessCpu.nanos();
                    time(step, settings.steps(), steps);
                    cpu += ProcessCpu.nanos() - cpuStart;
                    time(infer, settings.steps(), infers);
                    time(one, settings.latencyRuns(), latencies);
                }
                long rssAfter = residentMb();
                return new Result(engine.getEngineName() + " " + engine.getVersion(),
                        Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads")), median(steps),
                        INFER_BATCH * 1000 / median(infers), median(latencies), cpu / 1e6 / steps.size(), rssBefore,
                        rssAfter, steps.size());
            }
        }
    }

    /**
     * Offline, natives from the class path, threads as Sightline's backends use them; a value the user
     * set (a system property) is kept. Takes effect only before PyTorch's engine first loads.
     */
    static void configureEngine() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The reference CNN in DJL's blocks, NCHW. */
    static Block referenceCnn() {
        SequentialBlock net = new SequentialBlock();
        convBlock(net, 32, false);
        convBlock(net, 64, true);
        convBlock(net, 64, true);
        convBlock(net, 128, false);
        net.add(Blocks.batchFlattenBlock());
        net.add(Dropout.builder().optRate(DROPOUT).build());
        denseBlock(net, 256);
        denseBlock(net, 128);
        net.add(Linear.builder().setUnits(CLASSES).build());
        return net;
    }

    private static void convBlock(SequentialBlock net, int filters, boolean pool) {
        net.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters)
                .build());
        net.add(Activation.reluBlock());
        if (pool) {
            net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        net.add(Dropout.builder().optRate(DROPOUT).build());
        net.add(BatchNorm.builder().optEpsilon(BN_EPSILON).build());
    }

    private static void denseBlock(SequentialBlock net, int units) {
        net.add(Linear.builder().setUnits(units).build());
        net.add(Activation.reluBlock());
        net.add(Dropout.builder().optRate(DROPOUT).build());
        net.add(BatchNorm.builder().optEpsilon(BN_EPSILON).build());
    }

    /** One Adam step on the batch; its arrays are freed with the step's manager. Returns the loss. */
    private static double trainStep(Trainer trainer, NDManager root, float[] images, float[] labels) {
        try (NDManager step = root.newSubManager()) {
            NDArray x = step.create(images, new Shape(labels.length).addAll(IMAGE));
            NDArray y = step.create(labels, new Shape(labels.length));
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList logits = trainer.forward(new NDList(x));
                NDArray value = trainer.getLoss().evaluate(new NDList(y), logits);
                collector.backward(value);
                loss = value.getFloat();
            }
            trainer.step();
            return loss;
        }
    }

    /** Class probabilities for {@code count} images, copied to Java as Sightline's {@code predict} returns them. */
    private static double predict(Block block, ParameterStore parameters, NDManager root, float[] images, int count) {
        try (NDManager batch = root.newSubManager()) {
            NDArray x = batch.create(images, new Shape(count).addAll(IMAGE));
            NDArray probabilities = block.forward(parameters, new NDList(x), false).singletonOrThrow().softmax(1);
            return probabilities.toFloatArray().length;
        }
    }

    private static void time(DoubleSupplier work, int times, List<Double> millis) {
        for (int i = 0; i < times; i++) {
            long start = System.nanoTime();
            work.getAsDouble();
            millis.add((System.nanoTime() - start) / 1e6);
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static float[] uniform(SplittableRandom random, long size) {
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble();
        }
        return values;
    }

    /** VmRSS in MB; -1 where {@code /proc} cannot tell. */
    private static long residentMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Runs the benchmark and prints its report. Arguments: warmup rounds steps latencyRuns. */
    public static void main(String[] args) {
        BenchmarkSettings d = BenchmarkSettings.defaults();
        BenchmarkSettings settings = new BenchmarkSettings(
                args.length > 0 ? Integer.parseInt(args[0]) : d.warmup(),
                args.length > 1 ? Integer.parseInt(args[1]) : d.rounds(),
                args.length > 2 ? Integer.parseInt(args[2]) : d.steps(),
                args.length > 3 ? Integer.parseInt(args[3]) : d.latencyRuns(), 0);
        System.out.println(measure(settings).report());
    }
}
