package org.sightline.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import org.sightline.model.PixelScale;
import org.sightline.model.Shape;

/**
 * Turns an {@link ImageDataset} into mini-batches: optional seeded shuffling, optional seeded
 * augmentation, scaling to [0, 1] ({@link PixelScale}: the reference divides by 255) and one-hot labels.
 * The last batch is smaller when the size does not divide, as Keras does. Iterating twice gives
 * the same batches: the augmentation draws restart from the seed on every {@link #iterator()}.
 *
 * <pre>{@code
 * for (Batch batch : Batches.shuffled(train, 64, 21L + epoch, Augmentation.NONE)) { ... }
 * }</pre>
 */
public final class Batches implements Iterable<Batch> {
    /** The reference preprocessing, bytes 0..255 to floats 0..1: {@link PixelScale#DEFAULT}. */
    public static final float DEFAULT_SCALE = PixelScale.DEFAULT;

    private final ImageDataset dataset;
    private final int batchSize;
    private final int[] order;
    private final Augmentation augmentation;
    private final long augmentationSeed;
    private final PixelScaling scaling;
    /** The input value of each 0..255 byte, per channel: {@link #scaling} worked out once. */
    private final float[][] values;

    private Batches(ImageDataset dataset, int batchSize, int[] order, Augmentation augmentation, long seed,
            PixelScaling scaling) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        this.batchSize = batchSize;
        this.order = order;
        this.augmentation = Objects.requireNonNull(augmentation, "augmentation (use Augmentation.NONE)");
        this.augmentationSeed = seed;
        this.scaling = Objects.requireNonNull(scaling, "scaling");
        this.values = scaling.table(dataset.imageShape().channels());
    }

    /** Batches in dataset order, no augmentation: for evaluation and prediction. */
    public static Batches inOrder(ImageDataset dataset, int batchSize) {
        int[] order = new int[dataset.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return new Batches(dataset, batchSize, order, Augmentation.NONE, 0, PixelScaling.SIGHTLINE);
    }

    /** Batches in a seeded random order, with optional seeded augmentation: for training. */
    public static Batches shuffled(ImageDataset dataset, int batchSize, long seed, Augmentation augmentation) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = Shuffle.permutation(dataset.size(), random);
        return new Batches(dataset, batchSize, order, augmentation, random.nextLong(), PixelScaling.SIGHTLINE);
    }

    /**
     * These batches with pixels turned into input values by {@code newScaling} instead of dividing by 255:
     * for a model trained elsewhere on, say, ImageNet's mean and standard deviation.
     */
    public Batches scaledBy(PixelScaling newScaling) {
        return new Batches(dataset, batchSize, order, augmentation, augmentationSeed, newScaling);
    }

    /** Number of batches, the last one possibly partial. */
    public int count() {
        return (order.length + batchSize - 1) / batchSize;
    }

    @Override
    public Iterator<Batch> iterator() {
        SplittableRandom random = new SplittableRandom(augmentationSeed);
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < order.length;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int size = Math.min(batchSize, order.length - next);
                Batch batch = assemble(next, size, random);
                next += size;
                return batch;
            }
        };
    }

    private Batch assemble(int start, int size, SplittableRandom random) {
        Shape shape = dataset.imageShape();
        int imageSize = shape.size();
        int classes = dataset.numClasses();
        float[] images = new float[size * imageSize];
        int[] labels = new int[size];
        float[] oneHot = new float[size * classes];
        byte[] raw = new byte[imageSize];
        for (int i = 0; i < size; i++) {
            int index = order[start + i];
            dataset.copyImage(index, raw, 0);
            if (augmentation.isEnabled()) {
                augment(raw, shape, random);
            }
            int base = i * imageSize;
            int channels = values.length;
            for (int p = 0; p < imageSize; p++) {
                images[base + p] = values[p % channels][raw[p] & 0xFF];
            }
            labels[i] = dataset.label(index);
            oneHot[i * classes + labels[i]] = 1f;
        }
        return new Batch(size, shape, images, labels, oneHot);
    }

    /**
     * Crops (after zero-padding) and then flips one HWC image in place; pixels that come from the
     * padding are zero.
     */
    private void augment(byte[] image, Shape shape, SplittableRandom random) {
        int h = shape.height();
        int w = shape.width();
        int c = shape.channels();
        boolean flip = augmentation.horizontalFlip() && random.nextBoolean();
        int pad = augmentation.cropPadding();
        // A crop of the padded image at (dy, dx) equals shifting the image by (dy - pad, dx - pad).
        int shiftY = pad == 0 ? 0 : random.nextInt(2 * pad + 1) - pad;
        int shiftX = pad == 0 ? 0 : random.nextInt(2 * pad + 1) - pad;
        if (!flip && shiftY == 0 && shiftX == 0) {
            return;
        }
        byte[] source = image.clone();
        for (int y = 0; y < h; y++) {
            int sy = y + shiftY;
            for (int x = 0; x < w; x++) {
                // The flip mirrors the cropped image, so it applies to the output column.
                int sx = (flip ? w - 1 - x : x) + shiftX;
                int target = (y * w + x) * c;
                boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                for (int ch = 0; ch < c; ch++) {
                    image[target + ch] = inside ? source[(sy * w + sx) * c + ch] : 0;
                }
            }
        }
    }
}
