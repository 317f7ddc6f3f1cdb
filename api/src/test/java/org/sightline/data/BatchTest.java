package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.model.Shape;

class BatchTest {
    private static final Shape SHAPE = Shape.image(2, 2, 1);

    @Test
    void acceptsConsistentArrays() {
        Batch batch = new Batch(2, SHAPE, new float[8], new int[] {0, 2}, new float[6]);
        assertEquals(3, batch.numClasses());
        assertEquals(0, new Batch(0, SHAPE, new float[0], new int[0], new float[0]).numClasses());
    }

    @Test
    void rejectsWrongImageCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Batch(2, SHAPE, new float[7], new int[2], new float[4]));
        assertEquals("Batch of 2 images of (None, 2, 2, 1) needs 8 values, got 7", e.getMessage());
    }

    @Test
    void rejectsWrongLabelCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Batch(2, SHAPE, new float[8], new int[3], new float[4]));
        assertEquals("Batch of 2 needs 2 labels, got 3", e.getMessage());
    }

    @Test
    void rejectsOneHotThatIsNotSizeTimesClasses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Batch(2, SHAPE, new float[8], new int[2], new float[5]));
        assertTrue(e.getMessage().contains("one-hot") && e.getMessage().contains("5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Batch(0, SHAPE, new float[0], new int[0],
                new float[3]));
    }

    @Test
    void rejectsNegativeSize() {
        assertThrows(IllegalArgumentException.class, () -> new Batch(-1, SHAPE, new float[0], new int[0],
                new float[0]));
    }

    @Test
    void randomBatchesAreScaledImagesWithOneHotLabels() {
        Batch batch = Batch.random(Shape.image(4, 4, 3), 10, 5, new SplittableRandom(1));
        assertEquals(5 * 4 * 4 * 3, batch.images().length);
        for (float v : batch.images()) {
            assertEquals(Math.round(v * 255) / 255f, v, "pixel " + v);
            assertTrue(v >= 0 && v <= 1, "pixel " + v);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(1f, batch.oneHot()[i * 10 + batch.labels()[i]]);
        }
        Batch again = Batch.random(Shape.image(4, 4, 3), 10, 5, new SplittableRandom(1));
        assertEquals(batch.labels()[3], again.labels()[3]);
    }
}
