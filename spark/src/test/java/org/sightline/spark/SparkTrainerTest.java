package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.ImageDataset;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.compile.Adam;
import org.sightline.train.BatchNormStatistics;
import org.sightline.train.Callback;
import org.sightline.compile.CompileOptions;
import org.sightline.train.CsvLogger;
import org.sightline.train.EpochMetrics;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;
import org.sightline.train.TrainingRun;

class SparkTrainerTest {
    private static final Shape SHAPE = Shape.image(8, 8, 3);
    private static final Sequential CNN = ReferenceModels.smallCnn(SHAPE, 4);
    private static final ImageDataset TRAIN = SyntheticImages.bands(96, SHAPE, 4, 5);
    private static final ImageDataset VALIDATION = SyntheticImages.bands(32, SHAPE, 4, 6);

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[2]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static SparkTrainer.Builder trainer(String backend) {
        return SparkTrainer.builder(spark).backend(backend).batchSize(16).seed(21);
    }

    @Test
    void oneReplicaEqualsSingleProcessFitWithTheSameSeedAndBatches() throws Exception {
        Weights expected;
        try (Model model = Model.compile(CNN, Backends.get("tensorflow"), CompileOptions.reference(), Device.cpu(), 21)) {
            model.fit(TRAIN, FitOptions.builder().epochs(1).batchSize(16).seed(21).build());
            expected = model.toSavedModel().weights();
        }

        SparkTrainingHistory history = trainer("tensorflow").replicas(1).stepsPerRound(4).epochs(1).build()
                .fit(CNN, TRAIN, VALIDATION);

        assertEquals(expected, history.model().weights());
        assertEquals(6, history.model().training().orElseThrow().optimizer().iterations());
        assertEquals(2, history.roundsPerEpoch());
        assertEquals(1, history.epochs().size());
        assertTrue(history.epochs().get(0).validationAccuracy().isPresent());
        assertEquals(2 * history.stateBytes(), history.bytesPerRound());
    }

    @Test
    void twoReplicasReportTheirCostAndAreReproducible() throws Exception {
        SparkTrainer twoReplicas = trainer("tensorflow").replicas(2).stepsPerRound(1).epochs(1).build();

        SparkTrainingHistory first = twoReplicas.fit(CNN, TRAIN, null);
        SparkTrainingHistory second = twoReplicas.fit(CNN, TRAIN, null);

        assertEquals(first.model().weights(), second.model().weights());
        // 48 images per replica in batches of 16, one step per round.
        assertEquals(3, first.roundsPerEpoch());
        // Weights plus Adam's two moments of every (trainable) weight.
        long parameters = CNN.totalParams();
        assertEquals(3 * parameters * Float.BYTES, first.stateBytes());
        assertEquals(2 * first.stateBytes() * 2, first.bytesPerRound());
        assertEquals(3, first.model().training().orElseThrow().optimizer().iterations());
    }

    @Test
    void batchNormStatisticsAreMeasuredWithTheAveragedWeightsAfterEachEpoch() throws Exception {
        Sequential withBatchNorm = ReferenceModels.cnn(SHAPE, 4);
        SparkTrainer.Builder twoReplicas = trainer("tensorflow").replicas(2).stepsPerRound(1).epochs(1);

        SavedModel measured = twoReplicas.batchNormSamples(64).build().fit(withBatchNorm, TRAIN, null).model();
        SavedModel averaged = twoReplicas.batchNormSamples(0).build().fit(withBatchNorm, TRAIN, null).model();

        SavedModel remeasured = BatchNormStatistics.reestimate(Backends.get("tensorflow"), measured, TRAIN.take(64));
        String movingMean = "batch_normalization/moving_mean";
        assertArrayEquals(remeasured.weights().get(movingMean).toArray(), measured.weights().get(movingMean).toArray(),
                1e-5f, "the saved statistics are those of the saved weights");
        assertFalse(Arrays.equals(averaged.weights().get(movingMean).toArray(),
                measured.weights().get(movingMean).toArray()), "without measuring, the replicas' averages stay");
        assertEquals(averaged.weights().get("conv2d/kernel"), measured.weights().get("conv2d/kernel"),
                "measuring changes no trained weight");
    }

    @Test
    void resumingFromTheFirstEpochsCheckpointEndsWhereAnUninterruptedRunEnds(@TempDir Path dir) throws Exception {
        SparkTrainingHistory uninterrupted = trainer("dl4j").replicas(2).stepsPerRound(2).epochs(2).build()
                .fit(CNN, TRAIN, VALIDATION);

        Path checkpoint = dir.resolve("run.safetensors");
        trainer("dl4j").replicas(2).stepsPerRound(2).epochs(1).checkpoint(checkpoint).build()
                .fit(CNN, TRAIN, VALIDATION);
        assertEquals(1, ModelFile.load(checkpoint).training().orElseThrow().epochsCompleted());
        SparkTrainingHistory resumed = trainer("dl4j").replicas(2).stepsPerRound(2).epochs(2).checkpoint(checkpoint)
                .build().fit(ModelFile.load(checkpoint), TRAIN, VALIDATION);

        assertEquals(1, resumed.epochs().size());
        assertEquals(1, resumed.epochs().get(0).epoch());
        SavedModel saved = ModelFile.load(checkpoint);
        assertEquals(2, saved.training().orElseThrow().epochsCompleted());
        assertEquals(uninterrupted.model().weights(), saved.weights());
        assertEquals(uninterrupted.model().training().orElseThrow().optimizer(),
                saved.training().orElseThrow().optimizer());
    }

    @Test
    void aLossThatIsNotFiniteFailsTheRunAndLeavesTheCheckpointAsItWas(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("run.safetensors");
        Files.writeString(checkpoint, "the previous run's checkpoint");

        SparkTrainer exploding = trainer("tensorflow").replicas(2).stepsPerRound(1).epochs(1)
                .compileOptions(CompileOptions.of(Adam.withLearningRate(1e30))).checkpoint(checkpoint).build();
        SparkTrainingException e = assertThrows(SparkTrainingException.class,
                () -> exploding.fit(CNN, TRAIN, VALIDATION));

        assertTrue(e.getMessage().startsWith("Training of model 'sequential' failed in epoch 1, round "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("not a finite number (try a lower learning rate); checkpoint " + checkpoint
                + " is left as it was"), e.getMessage());
        assertEquals("the previous run's checkpoint", Files.readString(checkpoint, StandardCharsets.UTF_8));
    }

    @Test
    void callbacksSeeEveryRoundAndEpochAndAnEpochOneFailsIsNotSaved(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("history.csv");
        Path checkpoint = dir.resolve("run.safetensors");
        List<String> seen = new ArrayList<>();
        Callback failSecondEpoch = new Callback() {
            @Override
            public void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss,
                    double runningAccuracy) {
                seen.add("round " + step + " of " + run.stepsPerEpoch());
            }

            @Override
            public void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
                if (metrics.epoch() == 1) {
                    run.failTraining("validation loss went up (test)");
                }
            }
        };

        SparkTrainer trainer = trainer("tensorflow").replicas(2).stepsPerRound(2).epochs(2).checkpoint(checkpoint)
                .callbacks(failSecondEpoch, new CsvLogger(csv, false)).build();
        SparkTrainingException e = assertThrows(SparkTrainingException.class, () -> trainer.fit(CNN, TRAIN, VALIDATION));

        assertEquals("Training of model 'sequential' failed after epoch 2: validation loss went up (test); checkpoint "
                + checkpoint + " is left as it was", e.getMessage());
        // 48 images per replica, batches of 16, 2 steps per round: 2 rounds per epoch.
        assertEquals(List.of("round 1 of 2", "round 2 of 2", "round 1 of 2", "round 2 of 2"), seen);
        assertEquals(1, ModelFile.load(checkpoint).training().orElseThrow().epochsCompleted());
        // The header and epoch 0: the logger comes after the callback that failed epoch 1.
        List<String> rows = Files.readAllLines(csv);
        assertEquals(2, rows.size(), rows.toString());
    }

    @Test
    void aBackendThatCannotTrainIsRefusedBeforeAnySparkJob() {
        SparkTrainer onnx = trainer("onnx").replicas(2).build();

        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> onnx.fit(CNN, TRAIN, VALIDATION));

        assertTrue(e.getMessage().contains("onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("train model 'sequential' on Spark"), e.getMessage());
    }

    @Test
    void imagesOfAnotherSizeAreRefusedByName() {
        ImageDataset small = SyntheticImages.bands(16, Shape.image(4, 4, 3), 4, 1);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer("tensorflow").replicas(2).build().fit(CNN, small, VALIDATION));

        assertEquals("The training data has images of " + Shape.image(4, 4, 3) + " but model 'sequential' takes "
                + SHAPE, e.getMessage());
    }

    @Test
    void settingsOutsideTheirRangeAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkTrainer.builder(spark).stepsPerRound(0));
        assertEquals("SparkTrainer.stepsPerRound must be > 0, got 0", e.getMessage());
    }
}
