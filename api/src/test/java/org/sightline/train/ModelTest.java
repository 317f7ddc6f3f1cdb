package org.sightline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Loss;
import org.sightline.compile.Precision;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
import org.sightline.io.SavedModel;
import org.sightline.io.TrainingState;
import org.sightline.model.ActivationFunction;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.spi.UnsupportedCapabilityException;

class ModelTest {
    static final Shape SHAPE = Shape.image(8, 8, 1);
    static final Sequential SOFTMAX_REGRESSION = Sequential.of(SHAPE, Flatten.of(),
            Dense.of(4).withActivation(ActivationFunction.SOFTMAX));
    static final ImageDataset TRAIN = SyntheticImages.bands(256, SHAPE, 4, 1);
    static final ImageDataset TEST = SyntheticImages.bands(64, SHAPE, 4, 2);
    /** A learning rate at which softmax regression learns the bands in a few dozen steps. */
    static final CompileOptions FAST = CompileOptions.of(Adam.withLearningRate(0.02));

    static Model compile(CompileOptions options) {
        return Model.compile(SOFTMAX_REGRESSION, new LinearBackend(), options, Device.cpu(), 7);
    }

    static FitOptions.Builder fitOptions(int epochs) {
        return FitOptions.builder().epochs(epochs).batchSize(32).validationData(TEST).seed(3);
    }

    @Test
    void fitLearnsAndReportsKerasMetrics() {
        try (Model model = compile(FAST)) {
            History history = model.fit(TRAIN, fitOptions(3).build());
            assertEquals(3, history.epochs().size());
            assertNull(history.stopReason());
            EpochMetrics last = history.last();
            assertTrue(last.loss() < history.epochs().get(0).loss());
            assertTrue(last.validationAccuracy().getAsDouble() >= 0.9, last.format());
            Evaluation evaluation = model.evaluate(TEST, 16);
            assertEquals(last.validationAccuracy().getAsDouble(), evaluation.accuracy(), 1e-12);
            assertEquals(last.validationLoss().getAsDouble(), evaluation.loss(), 1e-9);
            assertEquals(64, evaluation.count());
            assertEquals(TRAIN.classNames(), model.classNames());
        }
    }

    @Test
    void fineTuningStartsFromTheSavedWeightsAndKeepsPreprocessingAndNames() {
        SavedModel trained;
        try (Model model = compile(FAST)) {
            model.fit(TRAIN, fitOptions(2).build());
            trained = model.toSavedModel();
        }
        PixelScaling centred = PixelScaling.of(1 / 127.5, new float[] {1f}, new float[] {1f});
        SavedModel imported = SavedModel.of(trained.model(), trained.weights(), List.of("a", "b", "c", "d"), centred);
        try (Model tuned = Model.fineTune(imported, new LinearBackend(), FAST, Device.cpu(), 1)) {
            assertEquals(trained.weights(), tuned.toSavedModel().weights(), "starts from the saved weights");
            assertEquals(centred, tuned.inputScaling());
            assertEquals(List.of("a", "b", "c", "d"), tuned.classNames());
            assertEquals(0, tuned.epochsCompleted());
            tuned.fit(TRAIN, fitOptions(1).build());
            assertEquals(centred, tuned.toSavedModel().preprocessing());
        }
        CompileOptions logits = new CompileOptions(FAST.optimizer(), new Loss(false, true), FAST.metrics());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Model.fineTune(imported, new LinearBackend(), logits, Device.cpu(), 1));
        assertEquals("Model 'sequential' outputs probabilities but the loss is compiled with from_logits=true",
                e.getMessage());
    }

    @Test
    void validationRunsInBatchesOfItsOwnSize() {
        assertEquals(256, FitOptions.builder().build().validationBatchSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FitOptions.builder().validationBatchSize(0).build());
        assertEquals("fit.validation_batch_size must be > 0, got 0", e.getMessage());
        // In inference mode the batch size changes the validation's figures only by float rounding.
        try (Model small = compile(FAST); Model large = compile(FAST)) {
            EpochMetrics bySixteen = small.fit(TRAIN, fitOptions(1).validationBatchSize(16).build()).last();
            EpochMetrics byAll = large.fit(TRAIN, fitOptions(1).validationBatchSize(64).build()).last();
            assertEquals(bySixteen.validationAccuracy().getAsDouble(), byAll.validationAccuracy().getAsDouble());
            assertEquals(bySixteen.validationLoss().getAsDouble(), byAll.validationLoss().getAsDouble(), 1e-6);
        }
    }

    @Test
    void sameSeedsGiveIdenticalHistories() {
        List<Double> first;
        try (Model model = compile(FAST)) {
            first = model.fit(TRAIN, fitOptions(2).build()).epochs().stream().map(EpochMetrics::loss).toList();
        }
        try (Model model = compile(FAST)) {
            assertEquals(first, model.fit(TRAIN, fitOptions(2).build()).epochs().stream()
                    .map(EpochMetrics::loss).toList());
        }
    }

    @Test
    void resumingFromACheckpointContinuesTheSameLossCurve() {
        List<Double> uninterrupted;
        try (Model model = compile(FAST)) {
            uninterrupted = model.fit(TRAIN, fitOptions(4).build()).epochs().stream().map(EpochMetrics::loss)
                    .toList();
        }
        SavedModel checkpoint;
        try (Model model = compile(FAST)) {
            model.fit(TRAIN, fitOptions(2).build());
            checkpoint = model.toCheckpoint();
        }
        assertEquals(2, checkpoint.training().orElseThrow().epochsCompleted());
        try (Model resumed = Model.fromSaved(checkpoint, new LinearBackend(), Device.cpu())) {
            assertEquals(2, resumed.epochsCompleted());
            History rest = resumed.fit(TRAIN, fitOptions(4).build());
            assertEquals(List.of(2, 3), rest.epochs().stream().map(EpochMetrics::epoch).toList());
            assertEquals(uninterrupted.subList(2, 4), rest.epochs().stream().map(EpochMetrics::loss).toList());
        }
    }

    @Test
    void checkpointCallbackFileResumesOnANewModel(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("run/checkpoint.safetensors");
        java.nio.file.Files.createDirectories(checkpoint.getParent());
        List<Double> uninterrupted;
        try (Model model = compile(FAST)) {
            uninterrupted = model.fit(TRAIN, fitOptions(3).build()).epochs().stream().map(EpochMetrics::loss)
                    .toList();
        }
        try (Model model = compile(FAST)) {
            model.fit(TRAIN, fitOptions(2).callbacks(new ModelCheckpoint(checkpoint)).build());
        }
        try (Model resumed = Model.load(checkpoint, new LinearBackend(), Device.cpu())) {
            assertEquals(TRAIN.classNames(), resumed.classNames());
            History rest = resumed.fit(TRAIN, fitOptions(3).build());
            assertEquals(List.of(uninterrupted.get(2)), rest.epochs().stream().map(EpochMetrics::loss).toList());
        }
    }

    @Test
    void predictionsCarryClassNamesAndTopK() {
        try (Model model = compile(FAST)) {
            model.fit(TRAIN, fitOptions(3).build());
            List<Prediction> predictions = model.predict(TEST, 10, 3);
            assertEquals(TEST.size(), predictions.size());
            Prediction first = predictions.get(0);
            assertEquals(3, first.top().size());
            assertEquals("band" + TEST.label(0), first.best().className());
            float sum = 0;
            for (float p : first.probabilities()) {
                sum += p;
            }
            assertEquals(1f, sum, 1e-5);
            assertTrue(first.top().get(0).probability() >= first.top().get(1).probability());
        }
    }

    @Test
    void terminateOnNaNStopsWithoutCountingTheBrokenEpoch() {
        try (Model model = compile(CompileOptions.of(Adam.withLearningRate(1e38)))) {
            History history = model.fit(TRAIN, fitOptions(5).callbacks(new TerminateOnNaN()).build());
            assertNotNull(history.stopReason());
            assertTrue(history.stopReason().contains("loss became NaN") || history.stopReason().contains("Infinity"),
                    history.stopReason());
            assertTrue(model.epochsCompleted() < 5);
            assertEquals(model.epochsCompleted(), history.epochs().size());
            assertTrue(history.isFailed(), "a NaN loss is a failure, not an early stop");
        }
    }

    @Test
    void aFailureAtTheLastStepOfAnEpochNeitherCountsNorCheckpointsIt(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        Callback failInSecondEpoch = new Callback() {
            @Override
            public void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss,
                    double runningAccuracy) {
                if (run.model().epochsCompleted() == 1 && step == run.stepsPerEpoch()) {
                    run.failTraining("broken at the last step");
                }
            }
        };
        try (Model model = compile(FAST)) {
            History history = model.fit(TRAIN, fitOptions(3)
                    .callbacks(failInSecondEpoch, new ModelCheckpoint(checkpoint)).build());
            assertTrue(history.isFailed());
            assertEquals("broken at the last step", history.stopReason());
            assertEquals(1, model.epochsCompleted());
            assertEquals(1, history.epochs().size());
        }
        assertEquals(1, org.sightline.io.ModelFile.load(checkpoint).training().orElseThrow().epochsCompleted());
    }

    @Test
    void weightsBrokenByAnEpochsLastStepAreNeitherCountedNorCheckpointed(@TempDir Path dir) throws IOException {
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        // The last update of epoch 2 leaves NaN weights although every batch loss was finite.
        Callback breakWeights = new Callback() {
            @Override
            public void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss,
                    double runningAccuracy) {
                if (run.model().epochsCompleted() == 1 && step == run.stepsPerEpoch()) {
                    org.sightline.model.Weights.Builder broken = org.sightline.model.Weights.builder();
                    run.model().toSavedModel().weights().asMap().forEach((name, tensor) ->
                            broken.put(name, org.sightline.model.FloatTensor.filled(tensor.shape(), Float.NaN)));
                    run.model().restoreWeights(broken.build());
                }
            }
        };
        try (Model model = compile(FAST)) {
            History history = model.fit(TRAIN, fitOptions(3)
                    .callbacks(breakWeights, new TerminateOnNaN(), new ModelCheckpoint(checkpoint)).build());
            assertTrue(history.isFailed());
            assertEquals("val_loss became NaN in epoch 2", history.stopReason());
            assertEquals(1, model.epochsCompleted());
        }
        assertEquals(1, org.sightline.io.ModelFile.load(checkpoint).training().orElseThrow().epochsCompleted());
    }

    @Test
    void aModelFileThatCannotBeWrittenSaysWhy(@TempDir Path dir) throws IOException {
        Path file = java.nio.file.Files.writeString(dir.resolve("runs"), "a file where a folder should be");
        try (Model model = compile(FAST)) {
            IOException e = assertThrows(IOException.class, () -> model.save(file.resolve("model.safetensors")));
            assertEquals(file + ": Not a directory", e.getMessage());
        }
    }

    @Test
    void emptyDataIsRefusedNamingWhichData() {
        try (Model model = compile(FAST)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.fit(TRAIN.take(0), fitOptions(1).build()));
            assertEquals("The training data is empty: fit needs at least one image", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.fit(TRAIN, fitOptions(1).validationData(TEST.take(0)).build()));
            assertEquals("The validation data is empty: fit needs at least one image", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> model.evaluate(TEST.take(0), 16));
            assertEquals("The evaluation data is empty: evaluate needs at least one image", e.getMessage());
            assertEquals(0, model.epochsCompleted());
        }
    }

    @Test
    void earlyStoppingStopsAndRestoresTheBestWeights() {
        try (Model model = compile(FAST)) {
            // A min_delta no epoch can beat: the first epoch stays best, training stops after patience.
            EarlyStopping stopping = new EarlyStopping(Monitor.VAL_LOSS, 1, 100, true);
            Recorder recorder = new Recorder();
            History history = model.fit(TRAIN, fitOptions(10).callbacks(recorder, stopping).build());
            assertEquals(3, history.epochs().size());
            assertTrue(history.stopReason().startsWith("early stopping: val_loss"), history.stopReason());
            assertFalse(history.isFailed(), "early stopping is not a failure");
            assertEquals(recorder.firstEpochWeights, model.toSavedModel().weights());
        }
    }

    @Test
    void wrongDataIsRejectedBeforeTraining() {
        try (Model model = compile(FAST)) {
            ImageDataset rgb = SyntheticImages.bands(8, Shape.image(8, 8, 3), 4, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.fit(rgb, fitOptions(1).build()));
            assertEquals("The training data has images of (None, 8, 8, 3) but model 'sequential' takes "
                    + "(None, 8, 8, 1)", e.getMessage());
            ImageDataset fiveClasses = SyntheticImages.bands(10, SHAPE, 5, 1);
            e = assertThrows(IllegalArgumentException.class, () -> model.evaluate(fiveClasses, 4));
            assertTrue(e.getMessage().contains("5 classes"), e.getMessage());
        }
    }

    @Test
    void inferenceModelsRefuseToFit() {
        SavedModel saved = SavedModel.of(SOFTMAX_REGRESSION, SOFTMAX_REGRESSION.initialWeights(1), TRAIN.classNames());
        try (Model model = Model.fromSaved(saved, new LinearBackend(), Device.cpu())) {
            assertFalse(model.isTrainable());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> model.fit(TRAIN, fitOptions(1).build()));
            assertTrue(e.getMessage().contains("opened for inference"), e.getMessage());
            assertThrows(IllegalStateException.class, model::toCheckpoint);
        }
    }

    @Test
    void mixedPrecisionIsRefusedByABackendWithoutIt() {
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> compile(FAST.withPrecision(Precision.MIXED_BFLOAT16)));
        assertTrue(e.getMessage().contains("MIXED_BFLOAT16") && e.getMessage().contains("mixed_bfloat16"),
                e.getMessage());
    }

    @Test
    void aMixedPrecisionCheckpointResumesInItOrOpensForInferenceInFloat32() {
        SavedModel checkpoint;
        try (Model model = compile(FAST)) {
            model.fit(TRAIN, fitOptions(1).build());
            checkpoint = model.toCheckpoint();
        }
        TrainingState state = checkpoint.training().orElseThrow();
        SavedModel mixed = checkpoint.with(checkpoint.weights(), Optional.of(new TrainingState(
                state.compileOptions().withPrecision(Precision.MIXED_BFLOAT16), state.optimizer(),
                state.epochsCompleted())));
        Backend inferenceOnly = new Backend() {
            @Override
            public String name() {
                return "inference-only";
            }

            @Override
            public int rank() {
                return 0;
            }

            @Override
            public Set<Capability> capabilities() {
                return EnumSet.of(Capability.INFER);
            }

            @Override
            public ModelEngine createEngine(EngineRequest request) {
                return new LinearBackend().createEngine(request);
            }
        };
        try (Model model = Model.fromSaved(mixed, inferenceOnly, Device.cpu())) {
            assertFalse(model.isTrainable());
        }
        assertThrows(UnsupportedCapabilityException.class, () -> Model.fromSaved(mixed, new LinearBackend(),
                Device.cpu()));
        try (Model model = Model.fromSaved(mixed, new LinearBackend(), Device.cpu(), Precision.FLOAT32)) {
            assertTrue(model.isTrainable());
            assertEquals(Precision.FLOAT32, model.toCheckpoint().training().orElseThrow().compileOptions().precision());
        }
    }

    /** Remembers the weights after the first epoch. */
    static final class Recorder implements Callback {
        org.sightline.model.Weights firstEpochWeights;

        @Override
        public void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
            if (metrics.epoch() == 0) {
                firstEpochWeights = run.model().toSavedModel().weights();
            }
        }
    }
}
