package org.sightline.data;

import java.util.SplittableRandom;
import org.sightline.model.Shape;

/**
 * One mini-batch ready for a backend: images scaled to floats in NHWC order, integer labels and
 * the same labels one-hot encoded. The arrays belong to the batch; backends read, never keep them.
 *
 * @param size       number of examples
 * @param imageShape (h, w, c) of each image
 * @param images     {@code size × h × w × c} floats
 * @param labels     {@code size} class indices
 * @param oneHot     {@code size × numClasses} floats, 1 at each label
 */
public record Batch(int size, Shape imageShape, float[] images, int[] labels, float[] oneHot) {

    public Batch {
        if (size < 0) {
            throw new IllegalArgumentException("Batch.size must be >= 0, got " + size);
        }
        if (images.length != (long) size * imageShape.size()) {
            throw new IllegalArgumentException("Batch of " + size + " images of " + imageShape + " needs "
                    + (long) size * imageShape.size() + " values, got " + images.length);
        }
        if (labels.length != size) {
            throw new IllegalArgumentException("Batch of " + size + " needs " + size + " labels, got "
                    + labels.length);
        }
        if (size == 0 ? oneHot.length != 0 : oneHot.length % size != 0) {
            throw new IllegalArgumentException("Batch of " + size + " needs size × numClasses one-hot values, got "
                    + oneHot.length);
        }
    }

    /**
     * A batch of random scaled pixels (multiples of 1/255, as real images give) and uniformly drawn
     * labels: input for benchmarks and engine tests that need no real data.
     */
    public static Batch random(Shape imageShape, int numClasses, int size, SplittableRandom random) {
        float[] images = new float[size * imageShape.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextInt(256) / 255f;
        }
        int[] labels = new int[size];
        float[] oneHot = new float[size * numClasses];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(numClasses);
            oneHot[i * numClasses + labels[i]] = 1;
        }
        return new Batch(size, imageShape, images, labels, oneHot);
    }

    public int numClasses() {
        return size == 0 ? 0 : oneHot.length / size;
    }
}
