package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class ELUTest {

    @Test
    void alphaTimesExpMinusOneBelowZero() {
        Sequential model = Sequential.of(Shape.of(4), ELU.of(0.5));
        float[] y = ReferenceForwardPass.predict(model, Weights.builder().build(), new float[] {-2, -1, 0, 3}, 1);
        assertArrayEquals(new float[] {(float) (0.5 * Math.expm1(-2)), (float) (0.5 * Math.expm1(-1)), 0, 3}, y,
                1e-6f);
    }

    @Test
    void keepsAlphaThroughItsOwnFilesThoughKeras3WritesNone() {
        Sequential model = Sequential.of(Shape.image(3, 3, 2), ELU.of(0.7));
        assertEquals("elu", model.layers().get(0).name());
        assertEquals(0, model.totalParams());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }
}
