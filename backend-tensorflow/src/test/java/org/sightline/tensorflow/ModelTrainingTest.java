package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.model.ActivationFunction.RELU;
import static org.sightline.model.ActivationFunction.SOFTMAX;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.data.ImageDataset;
import org.sightline.io.SavedModel;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.spi.Device;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;
import org.sightline.train.FitOptions;
import org.sightline.train.History;
import org.sightline.train.Model;

/** The backend driven by the api's training loop: fit, evaluate, checkpoint and resume. */
class ModelTrainingTest {
    private static final Shape IMAGE = Shape.image(8, 8, 1);
    // No dropout: its random stream is not part of a checkpoint, so only then is a resumed run exact.
    private static final Sequential MODEL = Sequential.builder(IMAGE)
            .add(Conv2D.of(4, 3).withPadding(Padding.SAME).withActivation(RELU))
            .add(BatchNormalization.of())
            .add(MaxPooling2D.of(2))
            .add(Flatten.of())
            .add(Dense.of(8).withActivation(RELU).withKernelConstraint(MaxNorm.of(3)))
            .add(BatchNormalization.of())
            .add(Dense.of(2).withActivation(SOFTMAX))
            .build();
    private static final CompileOptions OPTIONS = CompileOptions.of(Adam.withLearningRate(0.01));

    private final TensorFlowBackend backend = new TensorFlowBackend();
    private final ImageDataset train = halves(new SplittableRandom(1), 256);
    private final ImageDataset validation = halves(new SplittableRandom(2), 128);

    @Test
    void fitLearnsAndEvaluates() {
        try (Model model = Model.compile(MODEL, backend, OPTIONS, Device.cpu(), 3)) {
            History history = model.fit(train, options(3));
            assertEquals(3, history.epochs().size());
            assertTrue(history.last().loss() < history.epochs().get(0).loss(), history.epochs().toString());
            assertTrue(model.evaluate(validation, 64).accuracy() >= 0.9,
                    "validation accuracy " + model.evaluate(validation, 64).accuracy());
        }
    }

    @Test
    void aResumedCheckpointContinuesTheLossCurve() {
        double straight;
        try (Model model = Model.compile(MODEL, backend, OPTIONS, Device.cpu(), 3)) {
            straight = model.fit(train, options(3)).last().loss();
        }
        SavedModel checkpoint;
        try (Model model = Model.compile(MODEL, backend, OPTIONS, Device.cpu(), 3)) {
            model.fit(train, options(2));
            checkpoint = model.toCheckpoint();
        }
        assertEquals(2 * 8, checkpoint.training().orElseThrow().optimizer().iterations());
        try (Model resumed = Model.fromSaved(checkpoint, backend, Device.cpu())) {
            History history = resumed.fit(train, options(3));
            assertEquals(1, history.epochs().size());
            assertEquals(straight, history.last().loss(), 1e-5);
        }
    }

    @Test
    void mixedBfloat16TrainsAndComputesInBfloat16() {
        CompileOptions mixed = OPTIONS.withPrecision(Precision.MIXED_BFLOAT16);
        // The second convolution reads 8 channels: it computes in bfloat16, as the dense layers do.
        Sequential twoConvolutions = Sequential.builder(IMAGE)
                .add(Conv2D.of(8, 3).withPadding(Padding.SAME).withActivation(RELU))
                .add(BatchNormalization.of())
                .add(Conv2D.of(8, 3).withPadding(Padding.SAME).withActivation(RELU))
                .add(MaxPooling2D.of(2))
                .add(Flatten.of())
                .add(Dense.of(8).withActivation(RELU))
                .add(Dense.of(2).withActivation(SOFTMAX))
                .build();
        try (Model model = Model.compile(twoConvolutions, backend, mixed, Device.cpu(), 3)) {
            model.fit(train, options(3));
            assertTrue(model.evaluate(validation, 64).accuracy() >= 0.9,
                    "validation accuracy " + model.evaluate(validation, 64).accuracy());
            SavedModel checkpoint = model.toCheckpoint();
            assertEquals(Precision.MIXED_BFLOAT16, checkpoint.training().orElseThrow().compileOptions().precision());

            float[] images = new float[16 * IMAGE.size()];
            SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) random.nextDouble();
            }
            float[] inBfloat16 = model.predictProbabilities(images, 16);
            SavedModel weightsOnly = checkpoint.with(checkpoint.weights(), Optional.empty());
            try (Model inFloat32 = Model.fromSaved(weightsOnly, backend, Device.cpu())) {
                float[] exact = inFloat32.predictProbabilities(images, 16);
                double largest = 0;
                for (int i = 0; i < exact.length; i++) {
                    largest = Math.max(largest, Math.abs(exact[i] - inBfloat16[i]));
                }
                // bfloat16 keeps 8 bits of mantissa: visibly different from float32, yet close.
                assertTrue(largest > 1e-5 && largest < 0.05, "largest difference " + largest);
            }
        }
    }

    private FitOptions options(int epochs) {
        return FitOptions.builder().epochs(epochs).batchSize(32).seed(7).build();
    }

    /** Class 0 brighter in the top half, class 1 in the bottom half, plus noise. */
    static ImageDataset halves(SplittableRandom random, int size) {
        int pixels = IMAGE.size();
        byte[] data = new byte[size * pixels];
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(2);
            for (int p = 0; p < pixels; p++) {
                boolean top = p < pixels / 2;
                int value = (top == (labels[i] == 0) ? 110 : 0) + random.nextInt(145);
                data[i * pixels + p] = (byte) value;
            }
        }
        return new ImageDataset(IMAGE, data, labels, List.of("top", "bottom"));
    }
}
