package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.train.BatchNormStatistics;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.onnx.OnnxBackend;
import org.sightline.spi.Backend;
import org.sightline.spi.Device;
import org.sightline.tensorflow.TensorFlowBackend;
import org.sightline.compile.CompileOptions;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;
import org.sightline.train.Prediction;

/**
 * One model file, several runtimes: the reference CNN trained briefly here predicts the same classes
 * on ONNX Runtime, and one trained on TensorFlow predicts here what it predicts on TensorFlow. The
 * training is tiny on purpose: what is checked is the file's portability and the numerical agreement
 * of the forward passes, not accuracy.
 */
class CrossBackendAgreementTest {
    /** 30 optimizer steps of 64 images. */
    private static final int TRAIN_IMAGES = 30 * ReferenceModels.CIFAR10_BATCH_SIZE;
    /** Training images (not among those trained on) that set the batch-norm statistics. */
    private static final int STATISTICS_IMAGES = 256;
    private static final int TEST_IMAGES = 1_000;
    private static final double MIN_TOP1_AGREEMENT = 0.999;
    private static final double MAX_PROBABILITY_DIFFERENCE = 1e-4;
    /** Below this many distinct predicted classes, agreeing on the top class would prove little. */
    private static final int MIN_PREDICTED_CLASSES = 5;

    private static TrainTestSplit cifar;

    @BeforeAll
    static void loadData() throws IOException {
        cifar = SharedCifar10.loadOrSkip();
    }

    @Test
    void aModelTrainedHerePredictsTheSameClassesOnOnnxRuntime(@TempDir Path dir) throws IOException {
        Path file = trainBriefly(new Dl4jBackend(), dir.resolve("trained-on-dl4j.safetensors"));

        Agreement agreement = Agreement.between(predict(file, new Dl4jBackend()), predict(file, new OnnxBackend()));

        agreement.check("DL4J-trained file, DL4J against ONNX Runtime");
    }

    @Test
    void aTensorFlowTrainedFilePredictsHereAsOnTensorFlow(@TempDir Path dir) throws IOException {
        Path file = trainBriefly(new TensorFlowBackend(), dir.resolve("trained-on-tensorflow.safetensors"));

        Agreement agreement = Agreement.between(predict(file, new Dl4jBackend()),
                predict(file, new TensorFlowBackend()));

        agreement.check("TensorFlow-trained file, DL4J against TensorFlow");
    }

    /**
     * Fits the reference CNN on {@code trainer} and saves it. Its batch-norm statistics are then
     * re-estimated on the same backend (see {@link BatchNormStatistics}): after 30 steps the moving
     * averages leave the model predicting a single class for all 1,000 test images (measured on both
     * DL4J and TensorFlow), which would make the top-1 check unable to fail.
     */
    private static Path trainBriefly(Backend trainer, Path file) throws IOException {
        SavedModel trained;
        try (Model model = Model.compile(ReferenceModels.cifar10Cnn(), trainer, CompileOptions.reference(),
                Device.cpu(), ReferenceModels.CIFAR10_SEED)) {
            model.fit(cifar.train().take(TRAIN_IMAGES), FitOptions.builder().epochs(1)
                    .batchSize(ReferenceModels.CIFAR10_BATCH_SIZE).seed(1).build());
            trained = model.toSavedModel();
        }
        ImageDataset statisticsImages = cifar.train().slice(TRAIN_IMAGES, TRAIN_IMAGES + STATISTICS_IMAGES);
        ModelFile.save(file, BatchNormStatistics.reestimate(trainer, trained, statisticsImages));
        return file;
    }

    /** The file opened on {@code backend}: class probabilities of the first test images, one row each. */
    private static float[][] predict(Path file, Backend backend) throws IOException {
        try (Model model = Model.load(file, backend, Device.cpu())) {
            List<Prediction> predictions = model.predict(cifar.test().take(TEST_IMAGES), 250, 1);
            return predictions.stream().map(Prediction::probabilities).toArray(float[][]::new);
        }
    }

    /** How closely two runtimes' probabilities for the same images agree. */
    record Agreement(int images, int sameTopClass, double maxDifference, int predictedClasses) {

        static Agreement between(float[][] first, float[][] second) {
            int same = 0;
            double max = 0;
            boolean[] predicted = new boolean[first[0].length];
            for (int i = 0; i < first.length; i++) {
                int top = argMax(first[i]);
                predicted[top] = true;
                if (top == argMax(second[i])) {
                    same++;
                }
                for (int c = 0; c < first[i].length; c++) {
                    max = Math.max(max, Math.abs(first[i][c] - second[i][c]));
                }
            }
            int classes = 0;
            for (boolean p : predicted) {
                classes += p ? 1 : 0;
            }
            return new Agreement(first.length, same, max, classes);
        }

        double topClassAgreement() {
            return sameTopClass / (double) images;
        }

        void check(String what) {
            String figures = String.format("%s: top-1 agreement %d/%d, max probability difference %.3g, %d classes predicted",
                    what, sameTopClass, images, maxDifference, predictedClasses);
            System.out.println(figures);
            assertTrue(predictedClasses >= MIN_PREDICTED_CLASSES, figures);
            assertTrue(topClassAgreement() >= MIN_TOP1_AGREEMENT, figures);
            assertTrue(maxDifference <= MAX_PROBABILITY_DIFFERENCE, figures);
        }

        private static int argMax(float[] row) {
            int best = 0;
            for (int c = 1; c < row.length; c++) {
                if (row[c] > row[best]) {
                    best = c;
                }
            }
            return best;
        }
    }
}
