package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class ReLUTest {

    private static float[] apply(ReLU layer, float... x) {
        Sequential model = Sequential.of(Shape.of(x.length), layer);
        return ReferenceForwardPass.predict(model, Weights.builder().build(), x, 1);
    }

    @Test
    void everyPieceOfKerasDefinition() {
        float[] x = {-2, 0.5f, 0.6f, 3, 8};
        // Below the threshold 0.5: 0.1 (x - 0.5); at it: 0; above: x, up to 6.
        assertArrayEquals(new float[] {-0.25f, 0, 0.6f, 3, 6}, apply(new ReLU(null, 6.0, 0.1, 0.5), x), 1e-6f);
        assertArrayEquals(new float[] {0, 0.5f, 0.6f, 3, 8}, apply(ReLU.of(), x), 1e-6f);
    }

    @Test
    void theExamplesOfKerasDocstrings() {
        float[] x = {-10, -5, 0, 5, 10};
        assertArrayEquals(new float[] {-5, -2.5f, 0, 5, 10}, apply(new ReLU(null, 10.0, 0.5, 0), x), 1e-6f);
        assertArrayEquals(new float[] {0, 0, 0, 5, 5}, apply(ReLU.of().withMaxValue(5.0), x), 1e-6f);
        // x == threshold gives 0: Keras keeps only x > threshold.
        assertArrayEquals(new float[] {0, 0, 0, 0, 10}, apply(new ReLU(null, null, 0, 5), x), 1e-6f);
    }

    @Test
    void keepsTheShapeHasNoWeightsAndIsNamedAsKeras() {
        Sequential model = Sequential.of(Shape.image(4, 4, 2), ReLU.of().withMaxValue(6.0), ReLU.of());
        assertEquals(Shape.image(4, 4, 2), model.outputShape());
        assertEquals(0, model.totalParams());
        assertEquals("re_lu", model.layers().get(0).name());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void refusesNegativeSettingsNamingTheField() {
        assertEquals("ReLU.max_value must be a finite number >= 0 or null, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new ReLU(null, -1.0, 0, 0)).getMessage());
        assertEquals("ReLU.negative_slope must be a finite number >= 0, got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new ReLU(null, null, -0.1, 0)).getMessage());
        assertEquals("ReLU.threshold must be a finite number >= 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> new ReLU(null, null, 0, Double.NaN)).getMessage());
    }
}
