package org.sightline.examples;

import java.io.IOException;
import java.nio.file.Path;
import org.sightline.data.ColorMode;
import org.sightline.data.ImageDataset;
import org.sightline.data.ImageFolder;
import org.sightline.model.ReferenceModels;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.EarlyStopping;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;
import org.sightline.train.Monitor;
import org.sightline.train.ProgressLogger;

/**
 * Your own images: one sub-folder per class ({@code photos/cat/001.jpg}, {@code photos/dog/…}), as
 * Keras's {@code image_dataset_from_directory}. Images are resized on loading, a fifth is held out
 * for validation, and training stops early once validation loss stops improving.
 *
 * <pre>
 * java -cp ... org.sightline.examples.TrainOnImageFolder FOLDER [size] [epochs] [model file]
 * </pre>
 */
public final class TrainOnImageFolder {
    private TrainOnImageFolder() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("Usage: TrainOnImageFolder FOLDER [size] [epochs] [model file]");
            System.exit(2);
        }
        Path folder = Path.of(args[0]);
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path modelFile = Path.of(args.length > 3 ? args[3] : "runs/image-folder/model.safetensors");

        // Class names are the sub-folder names, sorted; every image becomes size × size RGB.
        ImageDataset images = ImageFolder.load(folder, ColorMode.RGB, size, size);
        ImageDataset.Split split = images.split(0.2, 21);
        System.out.printf("%d training and %d validation images of classes %s%n", split.train().size(),
                split.validation().size(), images.classNames());

        // The default backend: the highest-ranked one that can train, or -Dsightline.backend=NAME.
        try (Model model = Model.compile(ReferenceModels.smallCnn(images.imageShape(), images.numClasses()),
                Backends.defaultBackend(Capability.TRAIN), CompileOptions.reference(), Device.cpu(), 21)) {
            model.fit(split.train(), FitOptions.builder()
                    .epochs(epochs).batchSize(32).seed(21)
                    .validationData(split.validation())
                    .callbacks(new ProgressLogger(System.out), new EarlyStopping(Monitor.VAL_LOSS, 3, 0.0, true))
                    .build());
            System.out.println(model.evaluate(split.validation(), 64).report());
            model.save(modelFile);
            System.out.println("Saved " + modelFile + " (" + model.backend().name() + ")");
        }
    }
}
