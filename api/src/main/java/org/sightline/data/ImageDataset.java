package org.sightline.data;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import org.sightline.model.Shape;

/**
 * Labelled images held as uint8 pixels in NHWC order, with the class names of the labels.
 * Immutable: slicing and splitting copy. This is what the loaders produce and what {@code fit},
 * {@code evaluate} and {@code predict} consume.
 */
public final class ImageDataset {
    private final Shape imageShape;
    private final int imageSize;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> classNames;
    /** The file of each image, for datasets read from files one image each; null otherwise. */
    private final List<String> sources;

    /**
     * @param imageShape (height, width, channels) of every image
     * @param pixels     {@code size × h × w × c} unsigned bytes, NHWC; taken over, not copied
     * @param labels     one label per image, in {@code [0, classNames.size())}; taken over, not copied
     * @param classNames the name of each label
     */
    public ImageDataset(Shape imageShape, byte[] pixels, int[] labels, List<String> classNames) {
        this(imageShape, pixels, labels, classNames, null);
    }

    private ImageDataset(Shape imageShape, byte[] pixels, int[] labels, List<String> classNames,
            List<String> sources) {
        this.imageShape = Objects.requireNonNull(imageShape, "imageShape");
        if (!imageShape.isImage()) {
            throw new IllegalArgumentException("ImageDataset needs an image shape (h, w, c), got " + imageShape);
        }
        this.imageSize = imageShape.size();
        this.classNames = List.copyOf(classNames);
        if (this.classNames.isEmpty()) {
            throw new IllegalArgumentException("ImageDataset needs at least one class name");
        }
        if (new HashSet<>(this.classNames).size() != this.classNames.size()) {
            // Two labels with one name would make predictions and confusion matrices ambiguous.
            throw new IllegalArgumentException("ImageDataset class names must be distinct, got " + this.classNames);
        }
        long expected = (long) labels.length * imageShape.size();
        if (pixels.length != expected) {
            throw new IllegalArgumentException("ImageDataset of " + labels.length + " images of " + imageShape
                    + " needs " + expected + " pixel bytes, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= this.classNames.size()) {
                throw new IllegalArgumentException("Label of image " + i + " is " + labels[i] + ", expected 0.."
                        + (this.classNames.size() - 1));
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        if (sources != null && sources.size() != labels.length) {
            throw new IllegalArgumentException("ImageDataset of " + labels.length + " images needs as many sources, got "
                    + sources.size());
        }
        this.sources = sources == null ? null : List.copyOf(sources);
    }

    /** These images with the file each was read from, so results can name them. */
    public ImageDataset withSources(List<String> files) {
        return new ImageDataset(imageShape, pixels, labels, classNames, files);
    }

    /** The file image {@code index} was read from, if the dataset records one (image folders do). */
    public Optional<String> source(int index) {
        checkIndex(index);
        return sources == null ? Optional.empty() : Optional.of(sources.get(index));
    }

    public int size() {
        return labels.length;
    }

    public Shape imageShape() {
        return imageShape;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int numClasses() {
        return classNames.size();
    }

    public int label(int index) {
        return labels[index];
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** Pixel {@code offset} (0 ≤ offset &lt; h·w·c, NHWC order) of image {@code index}, as 0..255. */
    public int pixel(int index, int offset) {
        checkIndex(index);
        if (offset < 0 || offset >= imageSize) {
            // Without this check a wrong offset silently reads a neighbouring image.
            throw new IndexOutOfBoundsException("Pixel offset " + offset + " outside 0.." + (imageSize - 1)
                    + " of an image of " + imageShape);
        }
        return pixels[index * imageSize + offset] & 0xFF;
    }

    /** Copies image {@code index}'s bytes into {@code target} at {@code targetOffset}. */
    public void copyImage(int index, byte[] target, int targetOffset) {
        checkIndex(index);
        System.arraycopy(pixels, index * imageSize, target, targetOffset, imageSize);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException("Image index " + index + " outside 0.." + (labels.length - 1)
                    + " of a dataset of " + labels.length);
        }
    }

    /** Number of images of each class. */
    public int[] classCounts() {
        int[] counts = new int[classNames.size()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive). */
    public ImageDataset slice(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("slice(" + from + ", " + to + ") of a dataset of " + size());
        }
        return new ImageDataset(imageShape, Arrays.copyOfRange(pixels, from * imageSize, to * imageSize),
                Arrays.copyOfRange(labels, from, to), classNames, sources == null ? null : sources.subList(from, to));
    }

    /** The first {@code count} images, or all if there are fewer. */
    public ImageDataset take(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("take(count) needs count >= 0, got " + count);
        }
        return count >= size() ? this : slice(0, count);
    }

    /** The images at {@code indices}, in that order. */
    public ImageDataset select(int[] indices) {
        byte[] selected = new byte[Math.multiplyExact(indices.length, imageSize)];
        int[] selectedLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            checkIndex(indices[i]);
            System.arraycopy(pixels, indices[i] * imageSize, selected, i * imageSize, imageSize);
            selectedLabels[i] = labels[indices[i]];
        }
        return new ImageDataset(imageShape, selected, selectedLabels, classNames,
                sources == null ? null : Arrays.stream(indices).mapToObj(sources::get).toList());
    }

    /**
     * Splits off a seeded random {@code validationFraction} of the images, as Keras's
     * {@code validation_split} with shuffling. Both parts must end up non-empty: an empty
     * validation set would report NaN metrics every epoch instead of failing here.
     */
    public Split split(double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in (0, 1), got " + validationFraction);
        }
        int[] order = Shuffle.permutation(size(), new SplittableRandom(seed));
        int validationSize = (int) Math.round(size() * validationFraction);
        int trainSize = size() - validationSize;
        if (validationSize == 0 || trainSize == 0) {
            throw new IllegalArgumentException("validationFraction " + validationFraction + " of " + size()
                    + " images leaves " + trainSize + " for training and " + validationSize
                    + " for validation; both must be > 0");
        }
        return new Split(select(Arrays.copyOfRange(order, 0, trainSize)),
                select(Arrays.copyOfRange(order, trainSize, size())));
    }

    /** A training part and a validation part of one dataset. */
    public record Split(ImageDataset train, ImageDataset validation) {
    }

    @Override
    public String toString() {
        return "ImageDataset[" + size() + " images of " + imageShape + ", " + classNames.size() + " classes]";
    }
}
