package org.sightline.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
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
 * Where the labels must match a model's classes, give the class names: folders are then matched by
 * name, and a folder set that differs (a {@code plane} folder for the class {@code airplane}) is
 * refused instead of being scored against the wrong labels:
 *
 * <pre>{@code
 * ImageDataset test = ImageFolder.load(Path.of("photos"), ImageFolder.Options.defaults()
 *         .withSize(32, 32).withClassNames(model.classNames()));
 * }</pre>
 *
 * Unlike Keras, images are not shuffled here: {@link Batches#shuffled} shuffles per epoch.
 */
public final class ImageFolder {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    private ImageFolder() {
    }

    /**
     * How {@link #load(Path, Options)} reads a folder.
     *
     * <pre>{@code
     * ImageFolder.Options.defaults().withSize(32, 32).withClassNames(model.classNames())
     * }</pre>
     *
     * @param colorMode  RGB or grayscale
     * @param height     rows to resize every image to, or 0 (with {@code width} 0) for the images' own size
     * @param width      columns to resize every image to, or 0 (with {@code height} 0)
     * @param classNames the class names in label order that the sub-folders must match by name, such as
     *                   a model's; empty to take the sorted sub-folder names
     * @param skipBadImages whether files that cannot be decoded whole are skipped (with a warning that
     *                   counts and names them) instead of failing the load, as for scraped folders
     */
    public record Options(ColorMode colorMode, int height, int width, List<String> classNames,
            boolean skipBadImages) {

        public Options {
            Objects.requireNonNull(colorMode, "ImageFolder.Options.colorMode");
            if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
                throw new IllegalArgumentException("Target size must be two positive numbers (or 0, 0 for the"
                        + " images' own size), got " + height + "×" + width);
            }
            classNames = List.copyOf(classNames);
            if (new HashSet<>(classNames).size() != classNames.size()) {
                throw new IllegalArgumentException("ImageFolder.Options.classNames must be distinct, got "
                        + classNames);
            }
        }

        /** RGB images of their own size, classes from the sorted sub-folder names. */
        public static Options defaults() {
            return new Options(ColorMode.RGB, 0, 0, List.of(), false);
        }

        public Options withColorMode(ColorMode mode) {
            return new Options(mode, height, width, classNames, skipBadImages);
        }

        /** Every image resized to {@code newHeight × newWidth} by bilinear interpolation ({@link DecodedImage#resize}). */
        public Options withSize(int newHeight, int newWidth) {
            return new Options(colorMode, newHeight, newWidth, classNames, skipBadImages);
        }

        /**
         * Labels by name: the sub-folder named {@code names.get(i)} holds the images of label {@code i},
         * and loading fails, listing both sets, unless the sub-folders are exactly these names.
         */
        public Options withClassNames(List<String> names) {
            return new Options(colorMode, height, width, names, skipBadImages);
        }

        /** Skips files that are not images or are damaged, instead of failing on the first. */
        public Options withSkipBadImages(boolean skip) {
            return new Options(colorMode, height, width, classNames, skip);
        }
    }

    /** RGB images that must all have the same size. */
    public static ImageDataset load(Path root) throws IOException {
        return load(root, Options.defaults());
    }

    /** Images in {@code colorMode} that must all have the same size. */
    public static ImageDataset load(Path root, ColorMode colorMode) throws IOException {
        return load(root, Options.defaults().withColorMode(colorMode));
    }

    /**
     * Images in {@code colorMode}, each resized to {@code height × width} by bilinear interpolation
     * ({@link DecodedImage#resize}).
     */
    public static ImageDataset load(Path root, ColorMode colorMode, int height, int width) throws IOException {
        return load(root, new Options(colorMode, height, width, List.of(), false));
    }

    /** Images read as {@code options} say. */
    public static ImageDataset load(Path root, Options options) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new DatasetFormatException(root.toString(), -1, "not a folder; expected one sub-folder per class");
        }
        List<Path> classFolders = visibleChildren(root).stream().filter(Files::isDirectory).toList();
        if (classFolders.isEmpty()) {
            throw new DatasetFormatException(root.toString(), -1, "has no class sub-folders; expected one folder of"
                    + " images per class, e.g. " + root.resolve("cat").resolve("001.png"));
        }
        List<String> folderNames = classFolders.stream().map(folder -> folder.getFileName().toString()).toList();
        List<String> classNames = options.classNames().isEmpty() ? folderNames : options.classNames();
        checkSameNames(root, folderNames, classNames);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path folder : classFolders) {
            List<Path> images = imageFiles(folder);
            if (images.isEmpty()) {
                throw new DatasetFormatException(folder.toString(), -1, "class folder has no image files");
            }
            // By name, not by position: a folder sorted differently from the model's classes keeps its label.
            int label = classNames.indexOf(folder.getFileName().toString());
            for (Path image : images) {
                files.add(image);
                labels.add(label);
            }
        }
        ImageDataset dataset = decodeAll(root, files, labels, classNames, options);
        LOG.info("Loaded {} images of {} classes from {}", dataset.size(), classNames.size(), root);
        return dataset;
    }

    private static void checkSameNames(Path root, List<String> folderNames, List<String> classNames)
            throws DatasetFormatException {
        List<String> missing = classNames.stream().filter(name -> !folderNames.contains(name)).toList();
        List<String> extra = folderNames.stream().filter(name -> !classNames.contains(name)).toList();
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new DatasetFormatException(root.toString(), -1, "class folders " + folderNames
                    + " differ from the expected class names " + classNames
                    + (missing.isEmpty() ? "" : ": no folder for " + missing)
                    + (extra.isEmpty() ? "" : (missing.isEmpty() ? ": " : "; ") + "unexpected folders " + extra));
        }
    }

    private static ImageDataset decodeAll(Path root, List<Path> files, List<Integer> labels,
            List<String> classNames, Options options) throws IOException {
        List<DecodedImage> images = new ArrayList<>(files.size());
        List<Integer> kept = new ArrayList<>(files.size());
        List<Path> keptFiles = new ArrayList<>(files.size());
        List<String> skipped = new ArrayList<>();
        int converted = 0;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            BufferedImage decoded;
            try {
                decoded = DecodedImage.decode(file);
            } catch (DatasetFormatException e) {
                if (!options.skipBadImages()) {
                    throw e;
                }
                skipped.add(e.getMessage());
                continue;
            }
            if (options.colorMode() == ColorMode.GRAYSCALE && DecodedImage.isColour(decoded)) {
                converted++;
            }
            DecodedImage image = DecodedImage.of(decoded, options.colorMode());
            if (options.height() > 0) {
                image = image.resize(options.height(), options.width());
            }
            if (!images.isEmpty() && (image.height() != images.get(0).height()
                    || image.width() != images.get(0).width())) {
                throw new DatasetFormatException(file.toString(), -1, "image is " + image.height() + "×"
                        + image.width() + " but " + keptFiles.get(0) + " is " + images.get(0).height() + "×"
                        + images.get(0).width() + "; pass a target size (height, width) to resize them all");
            }
            images.add(image);
            kept.add(labels.get(i));
            keptFiles.add(file);
        }
        if (!skipped.isEmpty()) {
            LOG.warn("Skipped {} of {} files in {} that are not whole images, e.g. {}", skipped.size(), files.size(),
                    root, String.join(" | ", skipped.subList(0, Math.min(3, skipped.size()))));
        }
        if (images.isEmpty()) {
            throw new DatasetFormatException(root.toString(), -1, "none of its " + files.size()
                    + " files is a readable image");
        }
        if (converted > 0) {
            LOG.warn("Converted {} colour images of {} to grayscale (ITU-R 601 luma)", converted, root);
        }
        int imageSize = images.get(0).pixels().length;
        byte[] pixels = new byte[Math.multiplyExact(images.size(), imageSize)];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i).pixels(), 0, pixels, i * imageSize, imageSize);
        }
        return new ImageDataset(images.get(0).shape(), pixels, kept.stream().mapToInt(Integer::intValue).toArray(),
                classNames).withSources(keptFiles.stream().map(Path::toString).toList());
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
