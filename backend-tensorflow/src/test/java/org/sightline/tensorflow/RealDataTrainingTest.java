package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sightline.train.BatchNormStatistics;
import org.sightline.data.Cifar10;
import org.sightline.data.FashionMnist;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.EpochMetrics;
import org.sightline.train.Evaluation;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;

/**
 * One epoch on real images, the CI check that training has Keras's semantics end to end: the
 * reference CNN on a CIFAR-10 subset, and a small CNN on Fashion-MNIST.
 */
class RealDataTrainingTest {
    /** Where the Debian package dataset-fashion-mnist installs the official files. */
    private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void referenceCnnLearnsFromACifar10SubsetInOneEpoch() throws IOException {
        Path archive = Path.of(System.getProperty("sightline.projectRoot", ".."))
                .resolve("../shared/datasets/cifar-10-jpeg75-binary.tar.gz").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(archive), "CIFAR-10 archive absent at " + archive
                + " (../shared/datasets relative to the project root); skipping the real-data test");
        TrainTestSplit cifar = Cifar10.load(archive);
        ImageDataset train = cifar.train().take(5_000);
        TensorFlowBackend backend = new TensorFlowBackend();
        SavedModel trained;
        try (Model model = Model.compile(ReferenceModels.cifar10Cnn(), backend,
                CompileOptions.reference(), Device.cpu(), ReferenceModels.CIFAR10_SEED)) {
            EpochMetrics epoch = model.fit(train, FitOptions.builder().epochs(1)
                    .batchSize(ReferenceModels.CIFAR10_BATCH_SIZE).seed(1).build()).last();
            // Chance is 10% and ln 10.
            assertTrue(epoch.accuracy() > 0.22, "training accuracy " + epoch.accuracy());
            assertTrue(epoch.loss() < 2.25, "training loss " + epoch.loss());
            trained = model.toSavedModel();
        }
        // After 79 steps the batch-norm moving statistics (momentum 0.99, starting at mean 0 and
        // variance 1) are still far from the activations' small variances, so inference is at chance in
        // Keras too (it passes 35% only after about 600 steps, 59% after the full first epoch). Measured on
        // statistics of the training images, the same weights score about 42%; backend-dl4j's test of the
        // same name checks the same.
        SavedModel measured = BatchNormStatistics.reestimate(backend, trained, train.take(256));
        try (Model model = Model.fromSaved(measured, backend, Device.cpu())) {
            double accuracy = model.evaluate(cifar.test().take(2_000), 250).accuracy();
            assertTrue(accuracy > 0.35, "test accuracy " + accuracy + " on the first 2,000 test images");
        }
    }

    @Test
    void smallCnnLearnsFashionMnistInOneEpoch() throws IOException {
        assumeTrue(Files.isRegularFile(FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST absent "
                + "from " + FASHION_MNIST + "; install it with: apt-get install -y dataset-fashion-mnist");
        TrainTestSplit fashion = FashionMnist.load(FASHION_MNIST);
        Evaluation evaluation = trainOneEpoch(fashion.train(), fashion.test(),
                Model.compile(ReferenceModels.smallCnn(FashionMnist.IMAGE_SHAPE, 10), new TensorFlowBackend(),
                        CompileOptions.reference(), Device.cpu(), 1));
        assertTrue(evaluation.accuracy() > 0.85, "test accuracy " + evaluation.accuracy());
    }

    private static Evaluation trainOneEpoch(org.sightline.data.ImageDataset train,
            org.sightline.data.ImageDataset test, Model compiled) {
        try (Model model = compiled) {
            model.fit(train, FitOptions.builder().epochs(1).batchSize(ReferenceModels.CIFAR10_BATCH_SIZE).seed(1)
                    .build());
            return model.evaluate(test, 256);
        }
    }
}
