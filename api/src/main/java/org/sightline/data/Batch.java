package org.sightline.data;

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

    public int numClasses() {
        return size == 0 ? 0 : oneHot.length / size;
    }
}
