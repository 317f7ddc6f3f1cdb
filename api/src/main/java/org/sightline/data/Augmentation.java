package org.sightline.data;

/**
 * Seeded training-time augmentation done in Java while batches are assembled: a random horizontal
 * flip and a random crop after zero-padding each side by {@code cropPadding} pixels (4 for CIFAR-10).
 */
public record Augmentation(boolean horizontalFlip, int cropPadding) {

    /** No augmentation: for evaluation, prediction, or training on the images as they are. */
    public static final Augmentation NONE = new Augmentation(false, 0);

    public Augmentation {
        if (cropPadding < 0) {
            throw new IllegalArgumentException("Augmentation.cropPadding must be >= 0, got " + cropPadding);
        }
    }

    /** The usual CIFAR-10 recipe: flip, and crop after padding by 4. */
    public static Augmentation standard() {
        return new Augmentation(true, 4);
    }

    public boolean isEnabled() {
        return horizontalFlip || cropPadding > 0;
    }
}
