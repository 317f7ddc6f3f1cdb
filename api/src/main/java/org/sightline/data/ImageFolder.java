package org.sightline.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images in one sub-folder per class, as Keras's {@code image_dataset_from_directory}: the class
 * names are the sub-folder names sorted alphabetically, label {@code i} is the {@code i}-th of them,
 * and each sub-folder's files (also in nested folders) are its images, in path order. Names starting
 * with a dot are skipped; every other file in a class folder must be an image.
 *
 * <pre>{@code
 * photos/cat/001.png, photos/cat/002.jpg, photos/dog/001.png ...
 * ImageDataset pets = ImageFolder.load(Path.of("photos"), ColorMode.RGB, 64, 64);
 * }</pre>
 *
 * Unlike Keras, images are not shuffled here: {@link Batches#shuffled} shuffles per epoch.
 */
public final class ImageFolder {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    private ImageFolder() {
    }

    /** RGB images that must all have the same size. */
    public static ImageDataset load(Path root) throws IOException {
        return load(root, ColorMode.RGB);
    }

    /** Images in {@code colorMode} that must all have the same size. */
    public static ImageDataset load(Path root, ColorMode colorMode) throws IOException {
        return load(root, colorMode, 0, 0);
    }

    /**
     * Images in {@code colorMode}, each resized to {@code height × width} by bilinear interpolation
     * ({@link DecodedImage#resize}).
     */
    public static ImageDataset load(Path root, ColorMode colorMode, int height, int width) throws IOException {
        if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
            throw new IllegalArgumentException("Target size must be two positive numbers (or 0, 0 for the images'"
                    + " own size), got " + height + "×" + width);
        }
        if (!Files.isDirectory(root)) {
            throw new DatasetFormatException(root.toString(), -1, "not a folder; expected one sub-folder per class");
        }
        List<Path> classFolders = visibleChildren(root).stream().filter(Files::isDirectory).toList();
        if (classFolders.isEmpty()) {
            throw new DatasetFormatException(root.toString(), -1, "has no class sub-folders; expected one folder of"
                    + " images per class, e.g. " + root.resolve("cat").resolve("001.png"));
        }
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path folder : classFolders) {
            List<Path> images = imageFiles(folder);
            if (images.isEmpty()) {
                throw new DatasetFormatException(folder.toString(), -1, "class folder has no image files");
            }
            for (Path image : images) {
                files.add(image);
                labels.add(classNames.size());
            }
            classNames.add(folder.getFileName().toString());
        }
        ImageDataset dataset = decodeAll(files, labels, classNames, colorMode, height, width);
        LOG.info("Loaded {} images of {} classes from {}", dataset.size(), classNames.size(), root);
        return dataset;
    }

    private static ImageDataset decodeAll(List<Path> files, List<Integer> labels, List<String> classNames,
            ColorMode colorMode, int height, int width) throws IOException {
        byte[] pixels = null;
        Path first = null;
        DecodedImage firstImage = null;
        int imageSize = 0;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            DecodedImage image = DecodedImage.read(file, colorMode);
            if (height > 0) {
                image = image.resize(height, width);
            }
            if (pixels == null) {
                first = file;
                firstImage = image;
                imageSize = image.pixels().length;
                pixels = new byte[Math.multiplyExact(files.size(), imageSize)];
            } else if (image.height() != firstImage.height() || image.width() != firstImage.width()) {
                throw new DatasetFormatException(file.toString(), -1, "image is " + image.height() + "×"
                        + image.width() + " but " + first + " is " + firstImage.height() + "×" + firstImage.width()
                        + "; pass a target size (height, width) to resize them all");
            }
            System.arraycopy(image.pixels(), 0, pixels, i * imageSize, imageSize);
        }
        return new ImageDataset(firstImage.shape(), pixels, labels.stream().mapToInt(Integer::intValue).toArray(),
                classNames).withSources(files.stream().map(Path::toString).toList());
    }

    /** The non-hidden regular files under {@code folder}, at any depth, in path order. */
    private static List<Path> imageFiles(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(file -> !isHidden(folder.relativize(file)))
                    .sorted()
                    .toList();
        }
    }

    private static List<Path> visibleChildren(Path folder) throws IOException {
        try (Stream<Path> children = Files.list(folder)) {
            return children.filter(child -> !child.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    /** Whether any name along {@code relative} starts with a dot (.DS_Store, .git/...). */
    private static boolean isHidden(Path relative) {
        for (Path name : relative) {
            if (name.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
