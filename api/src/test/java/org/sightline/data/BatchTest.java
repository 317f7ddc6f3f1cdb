package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
