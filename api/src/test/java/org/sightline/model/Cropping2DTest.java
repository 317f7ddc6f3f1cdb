package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;

class Cropping2DTest {

    @Test
    void removesRowsAndColumnsAtEachSide() {
        // 3 x 3 x 1: 1 2 3 / 4 5 6 / 7 8 9; the top row and the left column go.
        Sequential model = Sequential.of(Shape.image(3, 3, 1), new Cropping2D(null, 1, 0, 1, 0));
        assertEquals(Shape.image(2, 2, 1), model.outputShape());
        assertArrayEquals(new float[] {5, 6, 8, 9}, ReferenceForwardPass.predict(model, Weights.builder().build(),
                new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1), 0);
    }

    @Test
    void readsAPairAndDefaultsToNothing() {
        Shape image = Shape.image(5, 5, 1);
        assertEquals(new Cropping2D(null, 1, 1, 2, 2),
                Cropping2D.fromKeras(ZeroPadding2DTest.config("{\"cropping\": [1, 2]}"), image));
        assertEquals(Cropping2D.of(0), Cropping2D.fromKeras(ZeroPadding2DTest.config("{}"), image));
    }

    @Test
    void refusesACroppingThatLeavesNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.image(4, 8, 1), new Cropping2D("crop", 2, 2, 0, 0)));
        assertTrue(e.getMessage().contains("Cropping2D 'crop' crops ((2, 2), (0, 0)) from (None, 4, 8, 1), which "
                + "leaves nothing"), e.getMessage());
    }
}
