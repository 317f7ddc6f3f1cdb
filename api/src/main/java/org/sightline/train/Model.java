package org.sightline.train;

import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.sightline.data.Batch;
import org.sightline.data.Batches;
import org.sightline.data.PrefetchingIterator;
import org.sightline.data.ImageDataset;
import org.sightline.inference.ImageClassifier;
import org.sightline.inference.Probabilities;
import org.sightline.data.PixelScaling;
import org.sightline.inference.ScoredImage;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.io.TrainingState;
import org.sightline.model.Network;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Network} running on a backend: Keras's compiled model, with {@code fit},
 * {@code evaluate} and {@code predict}. The training loop, metrics and callbacks live here, shared
 * by every backend; the backend's {@link ModelEngine} only runs batches. Holds native memory:
 * close it.
 *
 * <p>Threads: {@link #predict}, {@link #predictProbabilities} and {@link #evaluate} may be called from
 * many threads at once on one model, on every backend, and each call returns what it would alone. The
 * other methods are for one thread at a time: never run two {@code fit}s on one model at once.
 * {@link #close} waits for the predictions in flight; later calls fail with {@link IllegalStateException}.
 * Predicting while {@code fit} runs on another thread is safe but sees weights that change under it (on
 * DL4J those of a whole step; another backend may mix two consecutive steps): use it to watch training,
 * not for results.
 *
 * <pre>{@code
 * try (Model model = Model.compile(ReferenceModels.cifar10Cnn(), Backends.get("tensorflow"),
 *         CompileOptions.reference(), Device.cpu(), 21)) {
 *     History history = model.fit(data.train(), FitOptions.builder().epochs(25).batchSize(64)
 *             .validationData(data.test()).seed(21).callbacks(new ProgressLogger(System.out)).build());
 *     Evaluation result = model.evaluate(data.test(), 64);
 *     List<Prediction> top3 = model.predict(images, 64, 3);
 *     Prediction photo = model.predictor().predict(Path.of("cat.png"));
 * }
 * }</pre>
 */
public final class Model implements ImageClassifier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Model.class);

    private final Network spec;
    private final Backend backend;
    private final ModelEngine engine;
    private final Optional<CompileOptions> compileOptions;
    private final PixelScaling preprocessing;
    private List<String> classNames;
    private int epochsCompleted;

    private Model(Network spec, Backend backend, ModelEngine engine, Optional<CompileOptions> compileOptions,
            PixelScaling preprocessing, List<String> classNames, int epochsCompleted) {
        this.spec = spec;
        this.backend = backend;
        this.engine = engine;
        this.compileOptions = compileOptions;
        this.preprocessing = preprocessing;
        this.classNames = List.copyOf(classNames);
        this.epochsCompleted = epochsCompleted;
    }

    /**
     * Keras's {@code model.compile}: builds a trainable model on {@code backend}, weights drawn from
     * {@code seed} with Keras's initializers.
     */
    public static Model compile(Network spec, Backend backend, CompileOptions options, Device device, long seed) {
        backend.require(Capability.TRAIN, "train model '" + spec.name() + "'");
        requireDevice(backend, device);
        backend.require(options.precision());
        ModelEngine engine = backend.createEngine(
                EngineRequest.training(spec, spec.initialWeights(seed), options, device, seed));
        return new Model(spec, backend, engine, Optional.of(options), PixelScaling.SIGHTLINE, defaultClassNames(spec),
                0);
    }

    /**
     * Fine-tuning: a trainable model that starts from {@code saved}'s weights (a model imported from Keras,
     * or a Sightline model file) with a fresh optimizer, keeping its class names and preprocessing.
     *
     * @throws IllegalArgumentException if the loss expects probabilities but the model outputs logits, or
     *                                  the other way round
     */
    public static Model fineTune(SavedModel saved, Backend backend, CompileOptions options, Device device, long seed) {
        Network spec = saved.model();
        backend.require(Capability.TRAIN, "fine-tune model '" + spec.name() + "'");
        requireDevice(backend, device);
        backend.require(options.precision());
        if (spec.outputsLogits() != options.loss().fromLogits()) {
            throw new IllegalArgumentException("Model '" + spec.name() + "' outputs "
                    + (spec.outputsLogits() ? "logits (no softmax at its end)" : "probabilities")
                    + " but the loss is compiled with from_logits=" + options.loss().fromLogits());
        }
        ModelEngine engine = backend.createEngine(EngineRequest.training(spec, saved.weights(), options, device, seed));
        return new Model(spec, backend, engine, Optional.of(options), saved.preprocessing(), saved.classNames(), 0);
    }

    /**
     * A model from a saved file's contents. A checkpoint on a backend that can train resumes
     * training with its optimizer state; anything else opens for inference.
     */
    public static Model fromSaved(SavedModel saved, Backend backend, Device device) {
        // A checkpoint resumes in its own precision; what opens for inference computes in float32.
        return fromSaved(saved, backend, device, saved.training().filter(t -> backend.can(Capability.TRAIN))
                .map(t -> t.compileOptions().precision()).orElse(Precision.FLOAT32));
    }

    /**
     * {@link #fromSaved(SavedModel, Backend, Device)} computing in {@code precision}, whatever a checkpoint
     * was trained in: {@link Precision#MIXED_BFLOAT16} predicts faster on CPUs with bfloat16 instructions,
     * to two or three digits.
     */
    public static Model fromSaved(SavedModel saved, Backend backend, Device device, Precision precision) {
        requireDevice(backend, device);
        backend.require(precision);
        Optional<TrainingState> training = saved.training().filter(t -> backend.can(Capability.TRAIN));
        if (training.isPresent()) {
            TrainingState state = training.get();
            CompileOptions options = state.compileOptions().withPrecision(precision);
            // A distinct dropout seed per resumed epoch keeps resumed runs reproducible.
            EngineRequest request = EngineRequest.training(saved.model(), saved.weights(), options, device,
                    1_000_003L * state.epochsCompleted() + state.optimizer().iterations());
            ModelEngine engine = backend.createEngine(request);
            try {
                engine.setOptimizerState(state.optimizer());
            } catch (RuntimeException e) {
                engine.close();
                throw e;
            }
            return new Model(saved.model(), backend, engine, Optional.of(options),
                    saved.preprocessing(), saved.classNames(), state.epochsCompleted());
        }
        backend.require(Capability.INFER, "run model '" + saved.model().name() + "'");
        ModelEngine engine = backend.createEngine(EngineRequest.inference(saved.model(), saved.weights(), device,
                precision));
        return new Model(saved.model(), backend, engine, Optional.empty(), saved.preprocessing(), saved.classNames(),
                0);
    }

    /** Opens a model file or checkpoint written by any backend; see {@link #fromSaved}. */
    public static Model load(Path file, Backend backend, Device device) throws IOException {
        return fromSaved(ModelFile.load(file), backend, device);
    }

    /** Opens a model file or checkpoint to compute in {@code precision}; see {@link #fromSaved}. */
    public static Model load(Path file, Backend backend, Device device, Precision precision) throws IOException {
        return fromSaved(ModelFile.load(file), backend, device, precision);
    }

    private static void requireDevice(Backend backend, Device device) {
        if (device.isGpu()) {
            backend.require(Capability.GPU, "run on " + device);
        }
    }

    private static List<String> defaultClassNames(Network spec) {
        return IntStream.range(0, spec.numClasses()).mapToObj(Integer::toString).toList();
    }

    public Network spec() {
        return spec;
    }

    public Backend backend() {
        return backend;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    public int epochsCompleted() {
        return epochsCompleted;
    }

    public boolean isTrainable() {
        return compileOptions.isPresent();
    }

    /**
     * Keras's {@code model.fit}: trains until {@code options.epochs()} epochs are complete in total
     * (a resumed model continues where its checkpoint stopped), calling the callbacks. Returns early
     * when a callback stops or fails the run; {@link History#isFailed()} tells the two apart.
     *
     * @throws IllegalArgumentException if the training or validation data is empty or does not fit
     */
    public History fit(ImageDataset train, FitOptions options) {
        if (compileOptions.isEmpty()) {
            throw new IllegalStateException("Model '" + spec.name() + "' was opened for inference on backend '"
                    + backend.name() + "'; compile it or load a checkpoint on a training backend to fit");
        }
        requireFits(train, "training data");
        requireNotEmpty(train, "training data", "fit");
        options.validationData().ifPresent(v -> {
            requireFits(v, "validation data");
            requireNotEmpty(v, "validation data", "fit");
        });
        classNames = train.classNames();

        History history = new History();
        List<Callback> callbacks = new ArrayList<>();
        callbacks.add(history);
        callbacks.addAll(options.callbacks());
        int steps = Batches.inOrder(train, options.batchSize()).count();
        Run run = new Run(options.epochs(), steps);
        if (epochsCompleted >= options.epochs()) {
            LOG.info("Model already trained for {} epochs, fit asked for {}: nothing to do", epochsCompleted,
                    options.epochs());
        }
        callbacks.forEach(c -> c.onTrainBegin(run));
        for (int epoch = epochsCompleted; epoch < options.epochs() && !run.isStopRequested(); epoch++) {
            final int current = epoch;
            callbacks.forEach(c -> c.onEpochBegin(run, current));
            long start = System.nanoTime();
            // The order depends only on the seed and the epoch, so a resumed run sees the same batches.
            Batches batches = Batches.shuffled(train, options.batchSize(), options.seed() * 1_000_003L + epoch,
                    options.augmentation()).scaledBy(preprocessing);
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            int step = 0;
            // The next batch is assembled while the engine trains on this one.
            try (PrefetchingIterator<Batch> ahead = PrefetchingIterator.of(batches.iterator())) {
                while (ahead.hasNext()) {
                    BatchResult result = engine.trainOnBatch(ahead.next());
                    lossSum += result.meanLoss() * result.count();
                    correct += result.correct();
                    seen += result.count();
                    step++;
                    double runningLoss = lossSum / seen;
                    double runningAccuracy = correct / (double) seen;
                    final int currentStep = step;
                    callbacks.forEach(c -> c.onBatchEnd(run, currentStep, result.meanLoss(), runningLoss,
                            runningAccuracy));
                    if (run.isStopRequested()) {
                        break;
                    }
                }
            }
            if (step < steps || run.isFailed()) {
                // Stopped mid-epoch or failed (even at its last step): the epoch does not count, and no
                // callback saves it.
                break;
            }
            OptionalDouble valLoss = OptionalDouble.empty();
            OptionalDouble valAccuracy = OptionalDouble.empty();
            if (options.validationData().isPresent()) {
                Evaluation validation = evaluate(options.validationData().get(), options.validationBatchSize());
                valLoss = OptionalDouble.of(validation.loss());
                valAccuracy = OptionalDouble.of(validation.accuracy());
            }
            epochsCompleted = epoch + 1;
            EpochMetrics metrics = new EpochMetrics(epoch, lossSum / seen, correct / (double) seen, valLoss,
                    valAccuracy, Duration.ofNanos(System.nanoTime() - start));
            for (Callback callback : callbacks) {
                callback.onEpochEnd(run, metrics);
                if (run.isFailed()) {
                    // The epoch's weights are broken (e.g. a NaN validation loss): the callbacks after the
                    // one that said so (checkpoint, CSV log) must not save them, and the epoch does not count.
                    epochsCompleted = epoch;
                    break;
                }
            }
        }
        callbacks.forEach(c -> c.onTrainEnd(run));
        return history;
    }

    /**
     * Keras's {@code model.evaluate}: loss, accuracy and confusion matrix over {@code data}. Safe to call
     * from many threads at once, also alongside {@link #predict}.
     *
     * @throws IllegalArgumentException if {@code data} is empty or does not fit the model
     */
    @Override
    public Evaluation evaluate(ImageDataset data, int batchSize) {
        return evaluate(data, batchSize, scored -> { });
    }

    @Override
    public Evaluation evaluate(ImageDataset data, int batchSize, Consumer<ScoredImage> each) {
        requireFits(data, "evaluation data");
        requireNotEmpty(data, "evaluation data", "evaluate");
        return ImageClassifier.super.evaluate(data, batchSize, each);
    }

    @Override
    public Shape inputShape() {
        return spec.inputShape();
    }

    /**
     * How pixels become this model's input values: divided by 255 for models Sightline trained, what the
     * model file records for one imported from elsewhere. Training batches are scaled the same way.
     */
    @Override
    public PixelScaling inputScaling() {
        return preprocessing;
    }

    /**
     * Class probabilities for {@code count} scaled NHWC images, row-major {@code [count, classes]}. Safe to
     * call from many threads at once: each call gets the probabilities it would get alone.
     */
    @Override
    public float[] predictProbabilities(float[] images, int count) {
        if (images.length != count * spec.inputShape().size()) {
            throw new IllegalArgumentException(count + " images of " + spec.inputShape() + " need "
                    + count * spec.inputShape().size() + " values, got " + images.length);
        }
        return probabilities(engine.predict(images, count), count);
    }

    /** The model's outputs as probabilities: softmax applied when the model ends with logits. */
    private float[] probabilities(float[] outputs, int count) {
        if (spec.outputsLogits()) {
            Probabilities.softmaxRows(outputs, 0, count, spec.numClasses());
        }
        return outputs;
    }

    /**
     * Keras's {@code model.predict} with the {@code topK} class names of each image. Safe to call from many
     * threads at once: each call gets the predictions it would get alone.
     */
    public List<Prediction> predict(ImageDataset images, int batchSize, int topK) {
        requireShape(images, "prediction input");
        int classes = spec.numClasses();
        List<Prediction> predictions = new ArrayList<>(images.size());
        for (Batch batch : Batches.inOrder(images, batchSize).scaledBy(preprocessing)) {
            float[] probabilities = probabilities(engine.predict(batch.images(), batch.size()), batch.size());
            for (int i = 0; i < batch.size(); i++) {
                float[] row = new float[classes];
                System.arraycopy(probabilities, i * classes, row, 0, classes);
                predictions.add(Prediction.of(row, classNames, topK));
            }
        }
        return predictions;
    }

    /** Replaces the weights, e.g. with the best epoch's when early stopping restores them. */
    public void restoreWeights(Weights weights) {
        spec.requireCompatible(weights, "restoreWeights");
        engine.setWeights(weights);
    }

    /** The current weights and class names, as a model file holds them. */
    public SavedModel toSavedModel() {
        return SavedModel.of(spec, engine.weights(), classNames, preprocessing);
    }

    /** Weights, class names and the optimizer state to resume from, as a checkpoint holds them. */
    public SavedModel toCheckpoint() {
        CompileOptions options = compileOptions.orElseThrow(() -> new IllegalStateException(
                "Model '" + spec.name() + "' is not trainable: it has no optimizer state to checkpoint"));
        return new SavedModel(spec, engine.weights(), classNames, preprocessing,
                Optional.of(new TrainingState(options, engine.optimizerState(), epochsCompleted)));
    }

    /** Writes the model file: spec, weights, class names. Atomic: an old file survives a crash. */
    public void save(Path file) throws IOException {
        ModelFile.save(file, toSavedModel());
    }

    /** Writes a checkpoint: the model file plus optimizer state and epochs completed. */
    public void saveCheckpoint(Path file) throws IOException {
        ModelFile.save(file, toCheckpoint());
    }

    @Override
    public void close() {
        engine.close();
    }

    private void requireFits(ImageDataset data, String what) {
        requireShape(data, what);
        if (data.numClasses() != spec.numClasses()) {
            throw new IllegalArgumentException("The " + what + " has " + data.numClasses() + " classes but model '"
                    + spec.name() + "' outputs " + spec.numClasses());
        }
    }

    /** An empty selection would score a meaningless 0.0000 or train nothing; refuse it by name. */
    private static void requireNotEmpty(ImageDataset data, String what, String operation) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("The " + what + " is empty: " + operation
                    + " needs at least one image");
        }
    }

    private void requireShape(ImageDataset data, String what) {
        if (!data.imageShape().equals(spec.inputShape())) {
            throw new IllegalArgumentException("The " + what + " has images of " + data.imageShape() + " but model '"
                    + spec.name() + "' takes " + spec.inputShape());
        }
    }

    /** The state of one {@code fit} call, as callbacks see it. */
    final class Run implements TrainingRun {
        private final int epochs;
        private final int stepsPerEpoch;
        private volatile String stopReason;
        private volatile boolean failed;

        Run(int epochs, int stepsPerEpoch) {
            this.epochs = epochs;
            this.stepsPerEpoch = stepsPerEpoch;
        }

        @Override
        public Model model() {
            return Model.this;
        }

        @Override
        public int epochs() {
            return epochs;
        }

        @Override
        public int stepsPerEpoch() {
            return stepsPerEpoch;
        }

        @Override
        public void stopTraining(String reason) {
            Objects.requireNonNull(reason, "reason");
            if (stopReason == null) {
                LOG.info("Stopping training: {}", reason);
                stopReason = reason;
            }
        }

        @Override
        public void failTraining(String reason) {
            Objects.requireNonNull(reason, "reason");
            // A failure outranks an early stop asked for in the same batch: the weights are broken.
            if (!failed) {
                LOG.warn("Training failed: {}", reason);
                stopReason = reason;
                failed = true;
            }
        }

        @Override
        public boolean isFailed() {
            return failed;
        }

        @Override
        public boolean isStopRequested() {
            return stopReason != null;
        }

        @Override
        public String stopReason() {
            return stopReason;
        }
    }
}
