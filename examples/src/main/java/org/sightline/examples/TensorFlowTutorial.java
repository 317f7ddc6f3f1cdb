package org.sightline.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.sightline.data.Cifar10;
import org.sightline.data.TrainTestSplit;
import org.sightline.examples.report.TrainingReport;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.Evaluation;
import org.sightline.train.FitOptions;
import org.sightline.train.History;
import org.sightline.train.Model;
import org.sightline.train.Prediction;
import org.sightline.train.ProgressLogger;

/**
 * The Keras CIFAR-10 tutorial on TensorFlow, step by step: load the data, define the CNN, compile,
 * fit with the test set as validation data, evaluate, save, predict, and draw the report.
 *
 * <pre>
 * java -cp ... org.sightline.examples.TensorFlowTutorial [CIFAR-10 archive] [epochs] [output folder] [images]
 * </pre>
 */
public final class TensorFlowTutorial {
    private TensorFlowTutorial() {
    }

    public static void main(String[] args) throws IOException {
        Path archive = Path.of(args.length > 0 ? args[0] : "../shared/datasets/cifar-10-jpeg75-binary.tar.gz");
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : ReferenceModels.CIFAR10_EPOCHS;
        Path out = Path.of(args.length > 2 ? args[2] : "runs/tensorflow-tutorial");

        // 50,000 training and 10,000 test images of 32×32 RGB, pixels 0..255, ten classes.
        TrainTestSplit data = Cifar10.load(archive);
        if (args.length > 3) { // a quick look: the first N training images and N/5 test images
            int n = Integer.parseInt(args[3]);
            data = new TrainTestSplit(data.train().take(n), data.test().take(n / 5));
        }

        // Four convolutions and two dense layers with batch-norm and dropout: 2,264,458 parameters.
        Sequential cnn = ReferenceModels.cifar10Cnn();
        System.out.println(cnn.summary());

        // Adam with Keras's defaults and categorical cross-entropy; weights drawn from the seed.
        try (Model model = Model.compile(cnn, Backends.get("tensorflow"), CompileOptions.reference(), Device.cpu(),
                ReferenceModels.CIFAR10_SEED)) {
            History history = model.fit(data.train(), FitOptions.builder()
                    .epochs(epochs)
                    .batchSize(ReferenceModels.CIFAR10_BATCH_SIZE)
                    .seed(ReferenceModels.CIFAR10_SEED)
                    .validationData(data.test())
                    .callbacks(new ProgressLogger(System.out))
                    .build());

            Evaluation evaluation = model.evaluate(data.test(), 256);
            System.out.println(evaluation.report());

            // One file for every backend: weights in Keras layout, the config and the class names.
            model.save(out.resolve("model.safetensors"));

            for (Prediction prediction : model.predict(data.test().take(3), 3, 3)) {
                prediction.top().forEach(c -> System.out.printf("%s %.2f  ", c.className(), c.probability()));
                System.out.println();
            }

            TrainingReport report = new TrainingReport("CIFAR-10 tutorial on TensorFlow",
                    Map.of("backend", "tensorflow", "epochs", Integer.toString(epochs)), history.epochs(), evaluation);
            System.out.println("Report: " + report.write(out, "model.training").html());
        }
    }
}
