package org.sightline.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.sightline.model.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fashion-MNIST, as Keras's {@code fashion_mnist.load_data()}: 60,000 training and 10,000 test
 * grayscale images of 28×28×1 in 10 classes of clothing, read from the four official IDX files
 * ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}), gzipped or not.
 *
 * <pre>{@code
 * TrainTestSplit fashion = FashionMnist.load();                    // Debian's copy, or download once
 * TrainTestSplit local = FashionMnist.load(Path.of("/usr/share/datasets/fashion-mnist"));
 * }</pre>
 */
public final class FashionMnist {
    /** The labels' names in label order, as the dataset's authors list them. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Every image: 28×28 pixels, one gray channel. */
    public static final Shape IMAGE_SHAPE = Shape.image(28, 28, 1);

    /**
     * The official files with the MD5s the authors publish (and torchvision checks). The official
     * host is an S3 website endpoint, which serves plain HTTP only; the MD5 guards the content, and
     * the copy in the authors' GitHub repository is the HTTPS mirror.
     */
    public static final List<RemoteFile> FILES = List.of(
            remote("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            remote("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            remote("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            remote("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"));

    /** Where the Debian package {@code dataset-fashion-mnist} installs the four official files. */
    public static final Path DEBIAN_PACKAGE_FOLDER = Path.of("/usr/share/datasets/fashion-mnist");

    /** The cache sub-folder: MNIST's files have the same names. */
    static final String CACHE_FOLDER = "fashion-mnist";

    private static final Logger LOG = LoggerFactory.getLogger(FashionMnist.class);
    private static final String LOCAL_ALTERNATIVE = "FashionMnist.load(Path)";

    private FashionMnist() {
    }

    private static RemoteFile remote(String name, String md5) {
        return new RemoteFile(name, List.of(
                URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" + name),
                URI.create("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/" + name)),
                Checksum.md5(md5));
    }

    /**
     * Loads the copy of the Debian package {@code dataset-fashion-mnist} where it is installed (no
     * network needed), else from the standard {@link DatasetCache}, downloading the four files once.
     */
    public static TrainTestSplit load() throws IOException {
        return load(DEBIAN_PACKAGE_FOLDER, DatasetCache.standard(), FILES);
    }

    static TrainTestSplit load(Path packageFolder, DatasetCache cache, List<RemoteFile> files) throws IOException {
        if (holdsEveryFile(packageFolder)) {
            return load(packageFolder);
        }
        return load(cache, files);
    }

    /** Loads from {@code cache} (sub-folder {@code fashion-mnist}), downloading the files once. */
    public static TrainTestSplit load(DatasetCache cache) throws IOException {
        return load(cache, FILES);
    }

    static TrainTestSplit load(DatasetCache cache, List<RemoteFile> files) throws IOException {
        DatasetCache own = new DatasetCache(cache.folder().resolve(CACHE_FOLDER));
        List<Path> paths = new ArrayList<>(files.size());
        for (RemoteFile file : files) {
            paths.add(own.fetch(file, LOCAL_ALTERNATIVE));
        }
        return load(paths.get(0), paths.get(1), paths.get(2), paths.get(3));
    }

    /**
     * Loads from a folder holding the four official files, each gzipped ({@code .gz}) or not, such
     * as the Debian package {@code dataset-fashion-mnist} installs in
     * {@code /usr/share/datasets/fashion-mnist}.
     */
    public static TrainTestSplit load(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new DatasetFormatException(folder.toString(), -1,
                    "not a folder; expected the folder of the four Fashion-MNIST IDX files");
        }
        List<Path> paths = new ArrayList<>(FILES.size());
        for (RemoteFile file : FILES) {
            String name = uncompressedName(file);
            paths.add(locate(folder, name).orElseThrow(() -> new DatasetFormatException(
                    folder.resolve(name + ".gz").toString(), -1,
                    "missing Fashion-MNIST file; expected " + name + ".gz or " + name + " in " + folder)));
        }
        return load(paths.get(0), paths.get(1), paths.get(2), paths.get(3));
    }

    private static boolean holdsEveryFile(Path folder) {
        return FILES.stream().allMatch(file -> locate(folder, uncompressedName(file)).isPresent());
    }

    private static String uncompressedName(RemoteFile file) {
        return file.fileName().replaceFirst("\\.gz$", "");
    }

    /** The file {@code name} in {@code folder}, gzipped or not. */
    private static Optional<Path> locate(Path folder, String name) {
        return Stream.of(name + ".gz", name).map(folder::resolve).filter(Files::isRegularFile).findFirst();
    }

    private static TrainTestSplit load(Path trainImages, Path trainLabels, Path testImages, Path testLabels)
            throws IOException {
        long start = System.nanoTime();
        TrainTestSplit split = new TrainTestSplit(dataset(trainImages, trainLabels), dataset(testImages, testLabels));
        LOG.info("Loaded Fashion-MNIST from {}: {} training and {} test images in {} ms", trainImages.getParent(),
                split.train().size(), split.test().size(), (System.nanoTime() - start) / 1_000_000);
        return split;
    }

    private static ImageDataset dataset(Path imagesFile, Path labelsFile) throws IOException {
        IdxFile.Images images = IdxFile.readImages(imagesFile);
        int[] labels = IdxFile.readLabels(labelsFile, CLASS_NAMES.size());
        if (labels.length != images.count()) {
            throw new DatasetFormatException(labelsFile.toString(), 4, "holds " + labels.length + " labels but "
                    + imagesFile + " holds " + images.count() + " images");
        }
        if (images.rows() != IMAGE_SHAPE.height() || images.columns() != IMAGE_SHAPE.width()) {
            throw new DatasetFormatException(imagesFile.toString(), 8, "images are " + images.rows() + "×"
                    + images.columns() + ", expected " + IMAGE_SHAPE.height() + "×" + IMAGE_SHAPE.width());
        }
        return new ImageDataset(IMAGE_SHAPE, images.pixels(), labels, CLASS_NAMES);
    }
}
