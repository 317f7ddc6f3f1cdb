package org.sightline.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.sightline.data.Cifar10;
import org.sightline.data.ColorMode;
import org.sightline.data.FashionMnist;
import org.sightline.data.ImageDataset;
import org.sightline.data.ImageFolder;
import org.sightline.data.TrainTestSplit;
import picocli.CommandLine.Option;

/** The {@code --dataset} and {@code --data} options shared by the commands that read data. */
final class DatasetOptions {
    /** Share of an image folder held out as the test set, with a fixed seed. */
    static final double FOLDER_TEST_FRACTION = 0.2;
    static final long FOLDER_SPLIT_SEED = 21;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "cifar10",
            description = "cifar10, fashion-mnist, or folder:PATH (one sub-folder per class; 20%% held out "
                    + "for testing). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--data", paramLabel = "ARCHIVE_OR_DIR",
            description = "A local copy instead of the download: the CIFAR-10 .tar.gz or its folder, or the "
                    + "folder of the four Fashion-MNIST IDX files (default for fashion-mnist: the Debian "
                    + "package's copy in /usr/share/datasets/fashion-mnist where installed).")
    Path data;

    @Option(names = "--image-size", paramLabel = "HxW",
            description = "For folder datasets: resize every image to this size, e.g. 32x32.")
    String imageSize;

    @Option(names = "--grayscale", description = "For folder datasets: one channel instead of RGB.")
    boolean grayscale;

    /** Checks the dataset name before any slow work starts. */
    void validate() {
        if (!dataset.startsWith("folder:") && !dataset.equals("cifar10") && !dataset.equals("fashion-mnist")) {
            throw new IllegalArgumentException("Unknown dataset '" + dataset
                    + "', expected cifar10, fashion-mnist or folder:PATH");
        }
    }

    TrainTestSplit load() throws IOException {
        validate();
        if (dataset.startsWith("folder:")) {
            ImageDataset all = loadFolder(Path.of(dataset.substring("folder:".length())));
            ImageDataset.Split split = all.split(FOLDER_TEST_FRACTION, FOLDER_SPLIT_SEED);
            return new TrainTestSplit(split.train(), split.validation());
        }
        return switch (dataset) {
            case "cifar10" -> data == null ? Cifar10.load() : Cifar10.load(data);
            case "fashion-mnist" -> data == null ? FashionMnist.load() : FashionMnist.load(data);
            default -> throw new AssertionError("validated: " + dataset);
        };
    }

    /** The dataset with its training and test sets cut to their first images where a limit is given. */
    TrainTestSplit load(Integer trainLimit, Integer testLimit) throws IOException {
        TrainTestSplit data = load();
        return new TrainTestSplit(trainLimit == null ? data.train() : data.train().take(trainLimit),
                testLimit == null ? data.test() : data.test().take(testLimit));
    }

    /** The dataset as a report names it: its name and, if given, the local copy it was read from. */
    String describe() {
        return data == null ? dataset : dataset + " (" + data + ")";
    }

    private ImageDataset loadFolder(Path folder) throws IOException {
        ColorMode mode = grayscale ? ColorMode.GRAYSCALE : ColorMode.RGB;
        if (imageSize == null) {
            return ImageFolder.load(folder, mode);
        }
        String[] parts = imageSize.toLowerCase(Locale.ROOT).split("x");
        if (parts.length != 2) {
            throw new IllegalArgumentException("--image-size must look like 32x32, got '" + imageSize + "'");
        }
        return ImageFolder.load(folder, mode, Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    }
}
