package org.sightline.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sightline.data.Cifar10;
import org.sightline.data.TrainTestSplit;
import org.sightline.model.ReferenceModels;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.CsvLogger;
import org.sightline.train.FitOptions;
import org.sightline.train.History;
import org.sightline.train.Model;
import org.sightline.train.ModelCheckpoint;
import org.sightline.train.ProgressLogger;
import org.sightline.train.TerminateOnNaN;

/**
 * The same tutorial on DeepLearning4J, made to survive a long CPU run: a checkpoint after every
 * epoch, and a second start continues from it (weights, Adam moments, epoch count) instead of
 * starting over. Only the backend's name differs from the TensorFlow code.
 *
 * <pre>
 * java -cp ... org.sightline.examples.Dl4jTutorial [CIFAR-10 archive] [epochs] [output folder] [images]
 * </pre>
 */
public final class Dl4jTutorial {
    private Dl4jTutorial() {
    }

    public static void main(String[] args) throws IOException {
        Path archive = Path.of(args.length > 0 ? args[0] : "../shared/datasets/cifar-10-jpeg75-binary.tar.gz");
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : ReferenceModels.CIFAR10_EPOCHS;
        Path out = Path.of(args.length > 2 ? args[2] : "runs/dl4j-tutorial");
        Path checkpoint = out.resolve("checkpoint.safetensors");

        TrainTestSplit data = Cifar10.load(archive);
        if (args.length > 3) { // a quick look: the first N training images and N/5 test images
            int n = Integer.parseInt(args[3]);
            data = new TrainTestSplit(data.train().take(n), data.test().take(n / 5));
        }
        Backend dl4j = Backends.get("dl4j");
        boolean resuming = Files.exists(checkpoint);

        try (Model model = resuming
                ? Model.load(checkpoint, dl4j, Device.cpu())
                : Model.compile(ReferenceModels.cifar10Cnn(), dl4j, CompileOptions.reference(), Device.cpu(),
                        ReferenceModels.CIFAR10_SEED)) {
            System.out.println(resuming ? "Resuming after epoch " + model.epochsCompleted() : model.spec().summary());

            // fit counts epochs in total, so a resumed model runs only the ones still missing.
            History history = model.fit(data.train(), FitOptions.builder()
                    .epochs(epochs)
                    .batchSize(ReferenceModels.CIFAR10_BATCH_SIZE)
                    .seed(ReferenceModels.CIFAR10_SEED)
                    .validationData(data.test())
                    // TerminateOnNaN first: an epoch it fails is neither logged nor checkpointed.
                    .callbacks(new ProgressLogger(System.out),
                            new TerminateOnNaN(),
                            new CsvLogger(out.resolve("history.csv"), resuming),
                            new ModelCheckpoint(checkpoint))
                    .build());
            if (history.isFailed()) {
                // Broken weights must not replace a good model file; the checkpoint holds the last good epoch.
                throw new IllegalStateException("Training failed: " + history.stopReason() + "; the model was not saved");
            }

            System.out.println(model.evaluate(data.test(), 256).report());
            model.save(out.resolve("model.safetensors"));
        }
    }
}
