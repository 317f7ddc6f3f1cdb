package org.sightline.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sightline.data.ImageDataset;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.io.TrainingState;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Network;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.train.BatchNormStatistics;
import org.sightline.train.Callback;
import org.sightline.compile.CompileOptions;
import org.sightline.train.EpochMetrics;
import org.sightline.train.Evaluation;
import org.sightline.train.Model;
import org.sightline.train.TrainingRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training on Spark by synchronous parameter averaging, the scheme of dl4j-spark's
 * parameter-averaging master. The training images become an RDD of (label, pixels) records in
 * {@code replicas} partitions, one replica each. Every round the driver broadcasts the current state
 * (weights, batch-norm moving statistics, Adam's moments and step count: what a checkpoint holds), every
 * replica trains from it for {@code stepsPerRound} steps on its partition's next batches, and a
 * {@code treeAggregate} sums the replicas' states for the driver to average. {@code stepsPerRound = 1} is
 * plain synchronous data parallelism (each step's update averaged over {@code replicas × batchSize}
 * images); larger values trade fewer rounds for replicas that drift apart between averagings.
 *
 * <p>Cost model, with S the state's size in bytes (weights plus two Adam moments per trainable weight,
 * about 3 × 4 bytes per parameter), R replicas, N training images, B the batch size and K the steps per
 * round:
 * <ul>
 * <li>bytes per round ≈ 2 × S × R: the broadcast reaches every replica, and every replica's state
 * travels up the aggregation tree (each merge adds states, so the driver receives a few sums, not R
 * states);</li>
 * <li>rounds per epoch = ⌈N / (R × B × K)⌉, so bytes per epoch ≈ 2 × S × N / (B × K): independent of R,
 * and divided by K;</li>
 * <li>each round also waits for its slowest replica and pays Spark's job and task start-up (tens of
 * milliseconds on {@code local}); rounds stop paying off once that and the transfer exceed K steps of
 * compute.</li>
 * </ul>
 *
 * <p>Correct under Spark's task retries: a task depends only on the round's broadcast state, the round,
 * its partition and the seed (see {@link ReplicaRound}), so a re-run task returns what the failed attempt
 * would have. After every epoch the driver writes a checkpoint (atomically, as {@code ModelCheckpoint}
 * does) that {@link #fit(SavedModel, ImageDataset, ImageDataset)} resumes from; a loss or weight that is
 * not finite fails the run with {@link SparkTrainingException} before that epoch is saved.
 *
 * <pre>{@code
 * SparkTrainingHistory history = SparkTrainer.builder(spark).backend("tensorflow").replicas(2)
 *         .stepsPerRound(16).batchSize(64).epochs(2).seed(21).checkpoint(Path.of("run.safetensors"))
 *         .build().fit(ReferenceModels.cifar10Cnn(), data.train(), data.test());
 * }</pre>
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private final SparkSession spark;
    private final String backendName;
    private final int replicas;
    private final int stepsPerRound;
    private final int batchSize;
    private final int epochs;
    private final long seed;
    private final CompileOptions compileOptions;
    private final Optional<Path> checkpoint;
    private final ReplicaListener listener;
    private final List<Callback> callbacks;
    private final int batchNormSamples;

    private SparkTrainer(Builder b) {
        this.spark = b.spark;
        this.backendName = b.backend;
        this.replicas = b.replicas;
        this.stepsPerRound = b.stepsPerRound;
        this.batchSize = b.batchSize;
        this.epochs = b.epochs;
        this.seed = b.seed;
        this.compileOptions = b.compileOptions;
        this.checkpoint = Optional.ofNullable(b.checkpoint);
        this.listener = b.listener;
        this.callbacks = List.copyOf(b.callbacks);
        this.batchNormSamples = b.batchNormSamples;
    }

    public static Builder builder(SparkSession spark) {
        return new Builder(spark);
    }

    /**
     * Trains {@code model} from its initial weights (drawn from the seed, as {@code Model.compile} does).
     *
     * @param validation held-out images evaluated on the driver after every epoch; may be null
     * @throws org.sightline.spi.UnsupportedCapabilityException before any Spark job if the backend cannot train
     * @throws SparkTrainingException if the loss or a weight stops being a finite number
     */
    public SparkTrainingHistory fit(Network model, ImageDataset train, ImageDataset validation) throws IOException {
        Backend backend = trainingBackend(model);
        try (Model driver = Model.compile(model, backend, compileOptions, Device.cpu(), seed)) {
            return run(driver, train, validation);
        }
    }

    /**
     * Continues from a checkpoint (its weights, optimizer state and epochs completed: training stops at
     * {@code epochs} in total), or starts from a model file's weights with a fresh optimizer.
     */
    public SparkTrainingHistory fit(SavedModel saved, ImageDataset train, ImageDataset validation) throws IOException {
        Backend backend = trainingBackend(saved.model());
        if (saved.training().isPresent()) {
            try (Model driver = Model.fromSaved(saved, backend, Device.cpu())) {
                return run(driver, train, validation);
            }
        }
        try (Model driver = Model.compile(saved.model(), backend, compileOptions, Device.cpu(), seed)) {
            driver.restoreWeights(saved.weights());
            return run(driver, train, validation);
        }
    }

    private Backend trainingBackend(Network model) {
        Backend backend = Backends.get(backendName);
        backend.require(Capability.TRAIN, "train model '" + model.name() + "' on Spark");
        return backend;
    }

    /**
     * {@code state} with every batch norm's moving statistics measured on the first training images with
     * the averaged weights ({@link BatchNormStatistics}): the average of the replicas' moving statistics
     * is not the statistics of the averaged network, and a model validated or saved with it scores far
     * below its weights (docs/scaling.md measures 55% against 68% after two epochs). Training itself
     * uses batch statistics, so only validation, checkpoints and the final model change.
     */
    private ReplicaState withMeasuredBatchNormStatistics(Network model, ReplicaState state, ImageDataset train) {
        if (batchNormSamples == 0 || model.layers().stream().noneMatch(BatchNormalization.class::isInstance)) {
            return state;
        }
        SavedModel averaged = SavedModel.of(model, state.weights(), train.classNames());
        SavedModel measured = BatchNormStatistics.reestimate(Backends.get(backendName), averaged,
                train.take(Math.min(batchNormSamples, train.size())));
        return ReplicaState.of(measured.weights(), state.optimizerState());
    }

    private SparkTrainingHistory run(Model driver, ImageDataset train, ImageDataset validation) throws IOException {
        Network model = driver.spec();
        requireFits(model, train, "training data");
        if (validation != null) {
            requireFits(model, validation, "validation data");
        }
        SavedModel start = driver.toCheckpoint();
        TrainingState training = start.training().orElseThrow();
        CompileOptions options = training.compileOptions();
        ReplicaState state = ReplicaState.of(start.weights(), training.optimizer());
        long bytesPerRound = 2 * state.byteSize() * replicas;
        String runId = UUID.randomUUID().toString();
        JavaRDD<TrainingImage> records = records(train);
        List<EpochMetrics> rows = new ArrayList<>();
        SavedModel current = new SavedModel(model, start.weights(), train.classNames(), start.preprocessing(),
                Optional.of(training));
        try {
            List<Integer> sizes = records.mapPartitions(it -> {
                int n = 0;
                for (; it.hasNext(); it.next()) {
                    n++;
                }
                return List.of(n).iterator();
            }).collect();
            int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
            int batchesPerEpoch = (largest + batchSize - 1) / batchSize;
            int roundsPerEpoch = (batchesPerEpoch + stepsPerRound - 1) / stepsPerRound;
            LOG.info("Training '{}' on Spark: {} replicas of {} images, {} steps per round, {} rounds per epoch, "
                    + "{} bytes per round", model.name(), replicas, sizes, stepsPerRound, roundsPerEpoch,
                    bytesPerRound);
            if (training.epochsCompleted() >= epochs) {
                LOG.info("Model already trained for {} epochs, fit asked for {}: nothing to do",
                        training.epochsCompleted(), epochs);
            }
            Run run = new Run(driver, roundsPerEpoch);
            callbacks.forEach(c -> c.onTrainBegin(run));
            JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
            for (int epoch = training.epochsCompleted(); epoch < epochs && !run.isStopRequested(); epoch++) {
                final int currentEpoch = epoch;
                callbacks.forEach(c -> c.onEpochBegin(run, currentEpoch));
                long epochStart = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                for (int r = 0; r < roundsPerEpoch; r++) {
                    long round = (long) epoch * roundsPerEpoch + r;
                    Broadcast<ReplicaState> broadcast = context.broadcast(state);
                    ParameterAveraging sum;
                    try {
                        sum = records.mapPartitionsWithIndex(new ReplicaRound(runId, broadcast, backendName, model,
                                options, train.classNames(), epoch, round, r, stepsPerRound, batchSize, seed, listener),
                                true).treeAggregate(new ParameterAveraging(), ParameterAveraging::merge,
                                        ParameterAveraging::merge);
                    } finally {
                        broadcast.destroy();
                    }
                    state = sum.average();
                    lossSum += sum.lossSum();
                    correct += sum.correct();
                    seen += sum.seen();
                    if (!Double.isFinite(sum.lossSum()) || !state.isFinite()) {
                        run.failTraining("the averaged loss or weights are not finite numbers");
                        callbacks.forEach(c -> c.onTrainEnd(run));
                        throw new SparkTrainingException("Training of model '" + model.name() + "' failed in epoch "
                                + (epoch + 1) + ", round " + (r + 1) + " of " + roundsPerEpoch + ": the averaged "
                                + (Double.isFinite(sum.lossSum()) ? "weights are" : "loss is")
                                + " not a finite number (try a lower learning rate)"
                                + checkpoint.filter(Files::exists).map(f -> "; checkpoint " + f + " is left as it was").orElse(""));
                    }
                    final int step = r + 1;
                    final double runningLoss = lossSum / seen;
                    final double runningAccuracy = correct / (double) seen;
                    final double roundLoss = sum.lossSum() / sum.seen();
                    callbacks.forEach(c -> c.onBatchEnd(run, step, roundLoss, runningLoss, runningAccuracy));
                }
                state = withMeasuredBatchNormStatistics(model, state, train);
                driver.restoreWeights(state.weights());
                OptionalDouble valLoss = OptionalDouble.empty();
                OptionalDouble valAccuracy = OptionalDouble.empty();
                if (validation != null) {
                    Evaluation evaluation = driver.evaluate(validation, batchSize);
                    valLoss = OptionalDouble.of(evaluation.loss());
                    valAccuracy = OptionalDouble.of(evaluation.accuracy());
                }
                EpochMetrics row = new EpochMetrics(epoch, lossSum / seen, correct / (double) seen, valLoss,
                        valAccuracy, Duration.ofNanos(System.nanoTime() - epochStart));
                for (Callback callback : callbacks) {
                    callback.onEpochEnd(run, row);
                    if (run.isFailed()) {
                        // As in Model.fit: the callbacks after the one that failed the epoch must not save it.
                        callbacks.forEach(c -> c.onTrainEnd(run));
                        throw new SparkTrainingException("Training of model '" + model.name() + "' failed after epoch "
                                + (epoch + 1) + ": " + run.stopReason()
                                + checkpoint.filter(Files::exists).map(f -> "; checkpoint " + f + " is left as it was").orElse(""));
                    }
                }
                current = new SavedModel(model, state.weights(), train.classNames(), start.preprocessing(),
                        Optional.of(new TrainingState(options, state.optimizerState(), epoch + 1)));
                if (checkpoint.isPresent()) {
                    ModelFile.save(checkpoint.get(), current);
                }
                rows.add(row);
                LOG.info("Epoch {}/{} on Spark: {} - {} s - {} rounds of {} bytes", epoch + 1, epochs, row.format(),
                        row.duration().toMillis() / 1000.0, roundsPerEpoch, bytesPerRound);
            }
            callbacks.forEach(c -> c.onTrainEnd(run));
            return new SparkTrainingHistory(rows, replicas, roundsPerEpoch, state.byteSize(), bytesPerRound, current);
        } finally {
            records.unpersist(false);
            ReplicaEngines.release(runId);
        }
    }

    /**
     * The training images as records in {@code replicas} partitions. Image i goes to the replica i mod R
     * (Spark slices the list in contiguous parts, so the list is laid out by replica): every replica sees
     * every class even when the data is sorted by class. The RDD is cached and cut off from its source
     * list, so the rounds' tasks do not carry the images again: to the Spark checkpoint directory where
     * one is set ({@code SparkContext.setCheckpointDir}), which survives the loss of an executor, else
     * locally, which does not (a lost executor then fails the run, and {@code fit} resumes from the last
     * epoch's checkpoint file). A failed task on a live executor is retried either way.
     */
    private JavaRDD<TrainingImage> records(ImageDataset train) {
        int imageSize = train.imageShape().size();
        List<TrainingImage> list = new ArrayList<>(train.size());
        for (int replica = 0; replica < replicas; replica++) {
            for (int i = replica; i < train.size(); i += replicas) {
                byte[] pixels = new byte[imageSize];
                train.copyImage(i, pixels, 0);
                list.add(new TrainingImage(list.size(), train.label(i), pixels));
            }
        }
        JavaRDD<TrainingImage> records = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(list, replicas).persist(StorageLevel.MEMORY_AND_DISK());
        if (spark.sparkContext().getCheckpointDir().isDefined()) {
            records.rdd().checkpoint();
        } else {
            records.rdd().localCheckpoint();
        }
        records.count();
        return records;
    }

    private static void requireFits(Network model, ImageDataset data, String what) {
        Objects.requireNonNull(data, what);
        if (!data.imageShape().equals(model.inputShape())) {
            throw new IllegalArgumentException("The " + what + " has images of " + data.imageShape() + " but model '"
                    + model.name() + "' takes " + model.inputShape());
        }
        if (data.numClasses() != model.numClasses()) {
            throw new IllegalArgumentException("The " + what + " has " + data.numClasses() + " classes but model '"
                    + model.name() + "' outputs " + model.numClasses());
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("The " + what + " is empty: training needs at least one image");
        }
    }

    /**
     * One {@code fit} as callbacks see it: a step is a round (its loss the mean over every replica's
     * batches of the round), and an epoch ends with the averaged model on the driver.
     */
    private final class Run implements TrainingRun {
        private final Model driver;
        private final int roundsPerEpoch;
        private String stopReason;
        private boolean failed;

        Run(Model driver, int roundsPerEpoch) {
            this.driver = driver;
            this.roundsPerEpoch = roundsPerEpoch;
        }

        @Override
        public Model model() {
            return driver;
        }

        @Override
        public int epochs() {
            return epochs;
        }

        @Override
        public int stepsPerEpoch() {
            return roundsPerEpoch;
        }

        @Override
        public void stopTraining(String reason) {
            if (stopReason == null) {
                LOG.info("Stopping training: {}", reason);
                stopReason = Objects.requireNonNull(reason, "reason");
            }
        }

        @Override
        public boolean isStopRequested() {
            return stopReason != null;
        }

        @Override
        public void failTraining(String reason) {
            if (!failed) {
                LOG.warn("Training failed: {}", reason);
                stopReason = Objects.requireNonNull(reason, "reason");
                failed = true;
            }
        }

        @Override
        public boolean isFailed() {
            return failed;
        }

        @Override
        public String stopReason() {
            return stopReason;
        }
    }

    /** Settings of a {@link SparkTrainer}; each is checked when set. */
    public static final class Builder {
        private final SparkSession spark;
        private String backend = "tensorflow";
        private int replicas;
        private int stepsPerRound = 16;
        private int batchSize = 64;
        private int epochs = 1;
        private long seed = 21;
        private CompileOptions compileOptions = CompileOptions.reference();
        private Path checkpoint;
        private ReplicaListener listener = ReplicaListener.NONE;
        private final List<Callback> callbacks = new ArrayList<>();
        private int batchNormSamples = 2000;

        private Builder(SparkSession spark) {
            this.spark = Objects.requireNonNull(spark, "spark");
            this.replicas = spark.sparkContext().defaultParallelism();
        }

        /** A backend that can train: {@code tensorflow} (default) or {@code dl4j}. */
        public Builder backend(String name) {
            this.backend = Objects.requireNonNull(name, "backend");
            return this;
        }

        /** Replicas, one per partition of the training data; default Spark's default parallelism. */
        public Builder replicas(int count) {
            this.replicas = positive("replicas", count);
            return this;
        }

        /** Steps each replica takes between two averagings (K); default 16. */
        public Builder stepsPerRound(int steps) {
            this.stepsPerRound = positive("stepsPerRound", steps);
            return this;
        }

        /** Images per step of one replica; default 64. */
        public Builder batchSize(int size) {
            this.batchSize = positive("batchSize", size);
            return this;
        }

        /** Epochs in total (a resumed run counts those of its checkpoint); default 1. */
        public Builder epochs(int count) {
            this.epochs = positive("epochs", count);
            return this;
        }

        /** Seed of the initial weights, the shuffles and dropout; default 21. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Optimizer and loss for a new run; a checkpoint brings its own. Default: the reference (Adam). */
        public Builder compileOptions(CompileOptions options) {
            this.compileOptions = Objects.requireNonNull(options, "compileOptions");
            return this;
        }

        /** The checkpoint file written after every epoch; none by default. */
        public Builder checkpoint(Path file) {
            this.checkpoint = Objects.requireNonNull(file, "checkpoint");
            return this;
        }

        /** Called on the executors at the start of every replica task; see {@link ReplicaListener}. */
        public Builder listener(ReplicaListener replicaListener) {
            this.listener = Objects.requireNonNull(replicaListener, "listener");
            return this;
        }

        /**
         * Called on the driver as {@code Model.fit} calls them ({@code CsvLogger}, {@code ProgressLogger},
         * {@code EarlyStopping}...), a round counting as a step; an epoch a callback fails is not saved.
         * The checkpoint is written after the callbacks of its epoch.
         */
        public Builder callbacks(Callback... values) {
            callbacks.addAll(List.of(values));
            return this;
        }

        /**
         * How many training images measure the batch-norm statistics of the averaged weights after every
         * epoch (default 2,000; 0 keeps the average of the replicas' moving statistics).
         */
        public Builder batchNormSamples(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("SparkTrainer.batchNormSamples must be >= 0, got " + count);
            }
            this.batchNormSamples = count;
            return this;
        }

        public SparkTrainer build() {
            return new SparkTrainer(this);
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("SparkTrainer." + name + " must be > 0, got " + value);
            }
            return value;
        }
    }
}
