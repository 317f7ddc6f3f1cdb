package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.Batch;
import org.sightline.data.ImageDataset;
import org.sightline.model.ActivationFunction;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.MaxNorm;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.model.Weights;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.train.Evaluation;
import org.sightline.train.FitOptions;
import org.sightline.train.History;
import org.sightline.train.Model;

class Dl4jTrainingTest {

    @Test
    void learnsASeparableTaskThroughTheApi() {
        Shape shape = Shape.image(12, 12, 1);
        ImageDataset train = SyntheticImages.bands(320, shape, 4, 1);
        ImageDataset test = SyntheticImages.bands(160, shape, 4, 2);
        Sequential spec = Sequential.builder(shape)
                .add(Conv2D.of(8, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU))
                .add(MaxPooling2D.of(2))
                .add(Dropout.of(0.2))
                .add(Flatten.of())
                .add(Dense.of(4).withActivation(ActivationFunction.SOFTMAX))
                .build();
        try (Model model = Model.compile(spec, new Dl4jBackend(), CompileOptions.reference(), Device.cpu(), 3)) {
            model.fit(train, FitOptions.builder().epochs(4).batchSize(32).seed(3).build());
            Evaluation result = model.evaluate(test, 64);
            assertTrue(result.accuracy() >= 0.9, "test accuracy " + result.accuracy());
        }
    }

    /**
     * Two epochs straight, or one epoch, a checkpoint file, a fresh engine and the second epoch: the
     * same batches meet the same weights, Adam slots, step count and moving statistics, and libnd4j's
     * kernels are deterministic for a given thread count, so the second epoch is bit for bit the same.
     * The model has no dropout: its random stream is not part of a checkpoint.
     */
    @Test
    void aResumedCheckpointContinuesTheLossCurveExactly(@TempDir Path dir) throws IOException {
        Shape shape = Shape.image(8, 8, 1);
        ImageDataset train = SyntheticImages.bands(256, shape, 4, 5);
        Sequential spec = Sequential.builder(shape)
                .add(Conv2D.of(4, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU))
                .add(BatchNormalization.of())
                .add(MaxPooling2D.of(2))
                .add(Flatten.of())
                .add(Dense.of(8).withKernelConstraint(MaxNorm.of(3)).withActivation(ActivationFunction.RELU))
                .add(BatchNormalization.of())
                .add(Dense.of(4).withActivation(ActivationFunction.SOFTMAX))
                .build();
        CompileOptions options = CompileOptions.of(Adam.withLearningRate(0.01));
        History straight;
        Weights straightWeights;
        try (Model model = Model.compile(spec, new Dl4jBackend(), options, Device.cpu(), 3)) {
            straight = model.fit(train, epochs(2));
            straightWeights = model.toSavedModel().weights();
        }
        Path checkpoint = dir.resolve("epoch-1.safetensors");
        try (Model model = Model.compile(spec, new Dl4jBackend(), options, Device.cpu(), 3)) {
            assertEquals(straight.epochs().get(0).loss(), model.fit(train, epochs(1)).last().loss(), 0.0);
            model.saveCheckpoint(checkpoint);
        }

        try (Model resumed = Model.load(checkpoint, new Dl4jBackend(), Device.cpu())) {
            History second = resumed.fit(train, epochs(2));

            assertEquals(1, second.epochs().size());
            assertTrue(straight.last().loss() < straight.epochs().get(0).loss(), straight.epochs().toString());
            assertEquals(straight.last().loss(), second.last().loss(), 0.0);
            assertEquals(straight.last().accuracy(), second.last().accuracy(), 0.0);
            Weights resumedWeights = resumed.toSavedModel().weights();
            for (String name : straightWeights.names()) {
                assertEquals(0.0, straightWeights.get(name).maxAbsDifference(resumedWeights.get(name)), name);
            }
        }
    }

    private static FitOptions epochs(int epochs) {
        return FitOptions.builder().epochs(epochs).batchSize(32).seed(7).build();
    }

    /** Every array of a step is reused or closed: native memory stays flat, and returns when closed. */
    @Test
    void nativeMemoryDoesNotGrowOverStepsAndIsFreedOnClose() {
        NativeRuntime.start();
        Sequential model = Sequential.builder(Shape.image(8, 8, 2))
                .add(Conv2D.of(4, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU))
                .add(Dropout.of(0.3))
                .add(BatchNormalization.of())
                .add(MaxPooling2D.of(2))
                .add(Flatten.of())
                .add(Dense.of(8).withKernelConstraint(MaxNorm.of(1)).withActivation(ActivationFunction.RELU))
                .add(Dense.of(3).withActivation(ActivationFunction.SOFTMAX))
                .build();
        Batch full = Dl4jEngineTest.randomBatch(model, 32, 1);
        Batch last = Dl4jEngineTest.randomBatch(model, 20, 2);
        long before = allocated();
        try (Dl4jEngine engine = new Dl4jEngine(EngineRequest.training(model, model.initialWeights(1),
                CompileOptions.reference(), Device.cpu(), 1))) {
            for (int i = 0; i < 2; i++) {
                engine.trainOnBatch(full);
                engine.trainOnBatch(last);
                engine.predict(full.images(), full.size());
            }
            long warm = allocated();
            for (int i = 0; i < 20; i++) {
                engine.trainOnBatch(full);
                engine.trainOnBatch(last);
                engine.predict(full.images(), full.size());
                engine.weights();
                engine.optimizerState();
            }
            long after = allocated();
            assertTrue(after - warm <= 64 * 1024, "native memory grew by " + (after - warm) + " bytes over 60 steps and predictions");
        }
        long closed = allocated();
        assertTrue(closed - before <= 64 * 1024, "closing left " + (closed - before) + " bytes allocated");
    }

    /** libnd4j's own count of bytes it holds on the host. */
    private static long allocated() {
        return Nd4j.getEnvironment().getDeviceCouner(0);
    }
}
