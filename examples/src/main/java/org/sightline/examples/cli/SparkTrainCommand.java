package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;
import org.sightline.io.AtomicFile;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.Sequential;
import org.sightline.spark.SparkTrainer;
import org.sightline.spark.SparkTrainingHistory;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.train.CsvLogger;
import org.sightline.train.EpochMetrics;
import org.sightline.train.ProgressLogger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sightline spark train}: data-parallel training by parameter averaging on a Spark cluster or local[N]. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the reference CNN (or the small CNN) on Spark: every replica trains on its part of "
                + "the data for --steps-per-round steps, then the driver averages weights, batch-norm statistics and "
                + "Adam moments.",
                "Writes the model file, a checkpoint after each epoch (OUT with .checkpoint before the "
                        + "extension) and the history as CSV (OUT with .history.csv); prints accuracy, time and "
                        + "bytes moved per round for every epoch."})
final class SparkTrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DatasetOptions datasetOptions;

    @Mixin
    SparkCommand.MasterOptions masterOptions;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "tensorflow",
            description = "A backend that can train: tensorflow or dl4j. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--replicas", paramLabel = "N", description = "Model replicas, one per partition of the training "
            + "data. Default: Spark's default parallelism (the cores of local[N]).")
    Integer replicas;

    @Option(names = "--steps-per-round", paramLabel = "K", defaultValue = "16", description = "Steps each replica "
            + "trains between two averagings; 1 is plain synchronous data parallelism. Default: ${DEFAULT-VALUE}.")
    int stepsPerRound;

    @Option(names = "--epochs", defaultValue = "25", description = "Total epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per step of one replica. "
            + "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--seed", defaultValue = "21", description = "Seeds weights, dropout and shuffling. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--limit", paramLabel = "N", description = "Train on the first N training images only.")
    Integer limit;

    @Option(names = "--test-limit", paramLabel = "N", description = "Validate on the first N test images only.")
    Integer testLimit;

    @Option(names = "--architecture", defaultValue = "reference",
            description = "reference (the tutorial's CNN) or small (a fast CNN). Default: ${DEFAULT-VALUE}.")
    String architecture;

    @Option(names = "--learning-rate", paramLabel = "RATE",
            description = "Adam's learning rate. Default: 0.001, the tutorial's; with --resume, the checkpoint's.")
    Double learningRate;

    @Option(names = "--resume", description = "Continue from the checkpoint next to OUT if there is one. It must "
            + "hold the model --architecture asks for, for this dataset's images and classes.")
    boolean resume;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The model file to write "
            + "(.safetensors).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        validateArguments();
        datasetOptions.validate();
        // Refused before data loading or Spark start: an inference-only backend cannot train.
        Backends.get(backend).require(Capability.TRAIN, "train on Spark");
        Path absoluteOut = out.toAbsolutePath();
        TrainCommand.createFolderOf(absoluteOut);
        TrainTestSplit data = datasetOptions.load(limit, testLimit);
        ImageDataset train = data.train();
        ImageDataset test = data.test();
        Path checkpoint = TrainCommand.sibling(absoluteOut, ".checkpoint.safetensors");
        Path csv = TrainCommand.sibling(absoluteOut, ".history.csv");
        Sequential requested = TrainCommand.architecture(architecture, train);
        SavedModel resumed = resume && Files.exists(checkpoint) ? resumable(checkpoint, requested, train) : null;

        try (SparkSession spark = SparkJobs.start(masterOptions.master(), "train")) {
            SparkTrainer.Builder settings = SparkTrainer.builder(spark).backend(backend).stepsPerRound(stepsPerRound)
                    .batchSize(batchSize).epochs(epochs).seed(seed).checkpoint(checkpoint)
                    // A round is a step of the progress line: K steps of every replica, averaged.
                    .callbacks(new ProgressLogger(System.out), new CsvLogger(csv, resumed != null))
                    .compileOptions(learningRate == null ? CompileOptions.reference()
                            : CompileOptions.of(Adam.withLearningRate(learningRate)));
            if (replicas != null) {
                settings.replicas(replicas);
            }
            SparkTrainer trainer = settings.build();
            console.printf(Locale.ROOT, "Training on Spark %s with %s: %d training images, %d validation images of %s%n",
                    spark.sparkContext().master(), backend, train.size(), test.size(), train.imageShape());
            if (resumed != null) {
                console.printf("Resuming from %s after epoch %d%n", checkpoint,
                        resumed.training().orElseThrow().epochsCompleted());
            }
            console.flush();
            SparkTrainingHistory history;
            try {
                history = resumed != null ? trainer.fit(resumed, train, test) : trainer.fit(requested, train, test);
            } catch (RuntimeException e) {
                String reason = e.getMessage() != null ? e.getMessage() : e.toString();
                throw new TrainCommand.TrainingStoppedException("training stopped: " + reason + "; " + absoluteOut
                        + " was not written" + (Files.exists(checkpoint) ? ", the last good checkpoint is "
                                + checkpoint : ""), e);
            }
            for (EpochMetrics epoch : history.epochs()) {
                console.printf(Locale.ROOT, "Epoch %d/%d - %s - %.1f s - %d rounds of %,d bytes (%d replicas)%n",
                        epoch.epoch() + 1, epochs, epoch.format(), epoch.duration().toMillis() / 1000.0,
                        history.roundsPerEpoch(), history.bytesPerRound(), history.replicas());
            }
            try {
                ModelFile.save(absoluteOut, SavedModel.of(history.model().model(), history.model().weights(),
                        history.model().classNames()));
            } catch (IOException e) {
                throw new IOException("Cannot write model file " + absoluteOut + ": " + AtomicFile.reason(e), e);
            }
            console.printf("Model: %s%nCheckpoint: %s%nHistory: %s%n", absoluteOut, checkpoint, csv);
        }
        return 0;
    }

    /** Checks every option that needs no file, so that a typo is reported before data loading or Spark start. */
    private void validateArguments() {
        TrainCommand.validateTrainingOptions(epochs, batchSize, limit, testLimit, learningRate, architecture);
        TrainCommand.requirePositive("--steps-per-round", stepsPerRound);
        if (replicas != null) {
            TrainCommand.requirePositive("--replicas", replicas);
        }
    }

    /** The checkpoint to resume from, refused when it holds another model, other classes or learning rate. */
    private SavedModel resumable(Path checkpoint, Sequential requested, ImageDataset train) throws IOException {
        SavedModel saved = ModelFile.load(checkpoint);
        if (saved.training().isEmpty()) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " is a model file without training state "
                    + "(no optimizer state or epoch count); leave out --resume to start anew");
        }
        if (!saved.model().inputShape().equals(requested.inputShape())
                || !saved.model().layers().equals(requested.layers())) {
            throw new IllegalArgumentException("--resume: the checkpoint " + checkpoint + " holds another model than "
                    + "--architecture " + architecture + " for " + requested.inputShape() + " images and "
                    + requested.numClasses() + " classes; leave out --resume to start anew");
        }
        if (!saved.classNames().equals(train.classNames())) {
            throw new IllegalArgumentException("--resume: the checkpoint " + checkpoint + " was trained on the classes "
                    + saved.classNames() + " but " + datasetOptions.describe() + " has the classes "
                    + train.classNames() + "; leave out --resume to start anew");
        }
        if (learningRate != null && saved.training().get().compileOptions().optimizer() instanceof Adam adam
                && adam.learningRate() != learningRate) {
            throw new IllegalArgumentException("--resume: --learning-rate " + learningRate + " differs from the "
                    + "checkpoint's " + adam.learningRate() + " (" + checkpoint + "); leave out --learning-rate to "
                    + "resume with " + adam.learningRate());
        }
        return saved;
    }
}
