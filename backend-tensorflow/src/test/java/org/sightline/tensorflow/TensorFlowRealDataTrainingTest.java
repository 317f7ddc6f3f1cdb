package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sightline.compile.CompileOptions;
import org.sightline.conformance.RealDataTrainingTest;
import org.sightline.data.FashionMnist;
import org.sightline.data.TrainTestSplit;
import org.sightline.model.ReferenceModels;
import org.sightline.spi.Backend;
import org.sightline.spi.Device;
import org.sightline.train.Evaluation;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;

/** The api's one-epoch CIFAR-10 check on TensorFlow, and one epoch of Fashion-MNIST, checked here only. */
class TensorFlowRealDataTrainingTest extends RealDataTrainingTest {
    /** Where the Debian package dataset-fashion-mnist installs the official files. */
    private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @Override
    protected Backend backend() {
        return new TensorFlowBackend();
    }

    @Test
    void smallCnnLearnsFashionMnistInOneEpoch() throws IOException {
        assumeTrue(Files.isRegularFile(FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST absent "
                + "from " + FASHION_MNIST + "; install it with: apt-get install -y dataset-fashion-mnist");
        TrainTestSplit fashion = FashionMnist.load(FASHION_MNIST);
        try (Model model = Model.compile(ReferenceModels.smallCnn(FashionMnist.IMAGE_SHAPE, 10), backend(),
                CompileOptions.reference(), Device.cpu(), 1)) {
            model.fit(fashion.train(), FitOptions.builder().epochs(1).batchSize(ReferenceModels.CIFAR10_BATCH_SIZE)
                    .seed(1).build());
            Evaluation evaluation = model.evaluate(fashion.test(), 256);
            assertTrue(evaluation.accuracy() > 0.85, "test accuracy " + evaluation.accuracy());
        }
    }
}
