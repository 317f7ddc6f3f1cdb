package org.sightline.examples.cli;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
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
    /** Share of an image folder that train holds out as the test set unless --validation-split says otherwise. */
    static final double FOLDER_TEST_FRACTION = 0.2;
    /** Fixed, so that evaluate --validation-split scores exactly the images train held out. */
    static final long FOLDER_SPLIT_SEED = 21;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "cifar10",
            description = "cifar10, fashion-mnist, or folder:PATH (one sub-folder per class). Default: "
                    + "${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--validation-split", paramLabel = "FRACTION",
            description = "For folder datasets: the share of the images held out for testing, with a fixed seed. "
                    + "train holds out 0.2 by default; evaluate scores the whole folder unless given this, and "
                    + "then scores exactly the images train held out with the same FRACTION.")
    Double validationSplit;

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

    @Option(names = "--skip-bad-images", description = "For folder datasets: skip files that are not images or are "
            + "damaged (e.g. a JPEG missing its end), with a warning that counts and names them, instead of failing.")
    boolean skipBadImages;

    /** Checks the options before any slow work starts. */
    void validate() {
        if (!isFolder() && !dataset.equals("cifar10") && !dataset.equals("fashion-mnist")) {
            throw new IllegalArgumentException("Unknown dataset '" + dataset
                    + "', expected cifar10, fashion-mnist or folder:PATH");
        }
        if (validationSplit != null) {
            if (!(validationSplit > 0 && validationSplit < 1)) {
                throw new IllegalArgumentException("--validation-split must be between 0 and 1 (exclusive), got "
                        + validationSplit);
            }
            if (!isFolder()) {
                throw new IllegalArgumentException("--validation-split applies to folder:PATH datasets only; "
                        + dataset + " has its own test set");
            }
        }
    }

    TrainTestSplit load() throws IOException {
        validate();
        if (isFolder()) {
            ImageDataset.Split split = split(loadFolder(List.of()),
                    validationSplit == null ? FOLDER_TEST_FRACTION : validationSplit);
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

    /**
     * The images evaluate scores, labelled by {@code classNames} (the model's): a folder whole, or the
     * part held out by --validation-split; the test set of the other datasets. Cut to the first
     * {@code limit} images where one is given.
     */
    ImageDataset evaluationSet(List<String> classNames, Integer limit) throws IOException {
        validate();
        ImageDataset scored;
        if (isFolder()) {
            ImageDataset all = loadFolder(classNames);
            scored = validationSplit == null ? all : split(all, validationSplit).validation();
        } else {
            scored = load().test();
        }
        return limit == null ? scored : scored.take(limit);
    }

    /** What {@link #evaluationSet} scores, for the line that says how many images were scored. */
    String describeEvaluationSet() {
        if (!isFolder()) {
            return describe() + " (its test set)";
        }
        return validationSplit == null ? dataset : String.format(Locale.ROOT,
                "%s (the %s%% held out by --validation-split %s)", dataset,
                BigDecimal.valueOf(validationSplit * 100).stripTrailingZeros().toPlainString(), validationSplit);
    }

    /** The dataset as a report names it: its name and, if given, the local copy it was read from. */
    String describe() {
        return data == null ? dataset : dataset + " (" + data + ")";
    }

    private boolean isFolder() {
        return dataset.startsWith("folder:");
    }

    /** The folder's images, labelled by {@code classNames} where given, else by its sorted sub-folders. */
    private ImageDataset loadFolder(List<String> classNames) throws IOException {
        Path folder = Path.of(dataset.substring("folder:".length()));
        ImageFolder.Options options = ImageFolder.Options.defaults()
                .withColorMode(grayscale ? ColorMode.GRAYSCALE : ColorMode.RGB)
                .withClassNames(classNames)
                .withSkipBadImages(skipBadImages);
        if (imageSize != null) {
            String[] parts = imageSize.toLowerCase(Locale.ROOT).split("x");
            if (parts.length != 2) {
                throw new IllegalArgumentException("--image-size must look like 32x32, got '" + imageSize + "'");
            }
            options = options.withSize(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        }
        return ImageFolder.load(folder, options);
    }

    /** The split train and evaluate share: same fraction and seed give the same images. */
    private ImageDataset.Split split(ImageDataset all, double fraction) {
        // Checked here, not left to ImageDataset.split, so that the message names the option and the folder.
        long heldOut = Math.round(all.size() * fraction);
        if (heldOut == 0 || heldOut == all.size()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--validation-split %s of the %d images "
                    + "in %s holds out %d images and keeps %d; both parts must have at least one image", fraction,
                    all.size(), dataset, heldOut, all.size() - heldOut));
        }
        return all.split(fraction, FOLDER_SPLIT_SEED);
    }
}
