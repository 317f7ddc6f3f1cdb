package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.sightline.train.BatchNormStatistics;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.EpochMetrics;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;

/**
 * One epoch on real images, the CI check that training here has Keras's semantics end to end: the
 * reference CNN with the reference settings on a 5,000-image CIFAR-10 subset, as backend-tensorflow's
 * test of the same name trains it.
 */
class RealDataTrainingTest {
    private static final int TRAIN_IMAGES = 5_000;
    private static final int TEST_IMAGES = 2_000;
    private static final int STATISTICS_IMAGES = 256;

    @Test
    void referenceCnnLearnsFromACifar10SubsetInOneEpoch() throws IOException {
        TrainTestSplit cifar = SharedCifar10.loadOrSkip();
        ImageDataset train = cifar.train().take(TRAIN_IMAGES);
        Dl4jBackend backend = new Dl4jBackend();
        SavedModel trained;
        double trainingLoss;
        double trainingAccuracy;
        try (Model model = Model.compile(ReferenceModels.cifar10Cnn(), backend, CompileOptions.reference(),
                Device.cpu(), ReferenceModels.CIFAR10_SEED)) {
            EpochMetrics epoch = model.fit(train, FitOptions.builder().epochs(1)
                    .batchSize(ReferenceModels.CIFAR10_BATCH_SIZE).seed(1).build()).last();
            // The training metrics and bounds of backend-tensorflow's test (chance is 10% and ln 10).
            assertTrue(epoch.accuracy() > 0.22, "training accuracy " + epoch.accuracy());
            assertTrue(epoch.loss() < 2.25, "training loss " + epoch.loss());
            trained = model.toSavedModel();
            trainingLoss = epoch.loss();
            trainingAccuracy = epoch.accuracy();
        }
        // Test accuracy with the moving statistics as trained is at chance after 79 steps at momentum
        // 0.99 (10.1% measured here, and in Keras too); measured on statistics of the training images,
        // the same weights score about 41%.
        SavedModel measured = BatchNormStatistics.reestimate(backend, trained, train.take(STATISTICS_IMAGES));
        try (Model model = Model.fromSaved(measured, backend, Device.cpu())) {
            double accuracy = model.evaluate(cifar.test().take(TEST_IMAGES), 250).accuracy();
            System.out.printf("One epoch on %d CIFAR-10 images: training loss %.4f, accuracy %.4f; test accuracy %.4f%n",
                    TRAIN_IMAGES, trainingLoss, trainingAccuracy, accuracy);
            assertTrue(accuracy > 0.35, "test accuracy " + accuracy + " on the first " + TEST_IMAGES + " test images");
        }
    }
}
