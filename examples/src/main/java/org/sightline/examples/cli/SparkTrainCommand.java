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
import org.sightline.model.Network;
import org.sightline.spark.SparkTrainer;
import org.sightline.spark.SparkTrainingHistory;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.compile.Adam;
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

    @Mixin
    TrainingOptions training;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        validateArguments();
        datasetOptions.validate();
        // Refused before data loading or Spark start: an inference-only backend cannot train.
        Backends.get(backend).require(Capability.TRAIN, "train on Spark");
        Path absoluteOut = training.out.toAbsolutePath();
        TrainCommand.createFolderOf(absoluteOut);
        TrainTestSplit data = datasetOptions.load(training.limit, training.testLimit);
        ImageDataset train = data.train();
        ImageDataset test = data.test();
        Path checkpoint = TrainCommand.sibling(absoluteOut, ".checkpoint.safetensors");
        Path csv = TrainCommand.sibling(absoluteOut, ".history.csv");
        Network requested = training.model(train);
        SavedModel resumed = null;
        if (training.resume && Files.exists(checkpoint)) {
            resumed = ModelFile.load(checkpoint);
            training.requireResumable(resumed, checkpoint, requested, train.classNames(), datasetOptions.describe());
        }

        try (SparkSession spark = SparkJobs.start(masterOptions.master(), "train")) {
            SparkTrainer.Builder settings = SparkTrainer.builder(spark).backend(backend).stepsPerRound(stepsPerRound)
                    .batchSize(training.batchSize).epochs(training.epochs).seed(training.seed).checkpoint(checkpoint)
                    // A round is a step of the progress line: K steps of every replica, averaged.
                    .callbacks(new ProgressLogger(System.out), new CsvLogger(csv, resumed != null))
                    .compileOptions(training.compileOptions());
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
                        epoch.epoch() + 1, training.epochs, epoch.format(), epoch.duration().toMillis() / 1000.0,
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
        training.validate();
        TrainCommand.requirePositive("--steps-per-round", stepsPerRound);
        if (replicas != null) {
            TrainCommand.requirePositive("--replicas", replicas);
        }
    }
}
