package org.sightline.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.sightline.data.ImageDataset;
import org.sightline.model.Shape;

/**
 * A small separable image task for tests: each class lights up its own horizontal band of the image
 * over random background noise, so any working classifier learns it within an epoch or two.
 */
public final class SyntheticImages {
    private SyntheticImages() {
    }

    /** {@code count} images of {@code shape}, {@code classes} balanced classes, seeded. */
    public static ImageDataset bands(int count, Shape shape, int classes, long seed) {
        if (shape.height() < classes) {
            throw new IllegalArgumentException("need at least one image row per class");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int size = shape.size();
        byte[] pixels = new byte[count * size];
        int[] labels = new int[count];
        int rowsPerClass = shape.height() / classes;
        for (int n = 0; n < count; n++) {
            int label = n % classes;
            labels[n] = label;
            for (int y = 0; y < shape.height(); y++) {
                boolean band = y / rowsPerClass == label;
                for (int x = 0; x < shape.width(); x++) {
                    for (int c = 0; c < shape.channels(); c++) {
                        int value = band ? 160 + random.nextInt(96) : random.nextInt(96);
                        pixels[n * size + (y * shape.width() + x) * shape.channels() + c] = (byte) value;
                    }
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("band" + c);
        }
        return new ImageDataset(shape, pixels, labels, names);
    }
}
