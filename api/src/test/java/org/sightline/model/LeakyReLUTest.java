package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class LeakyReLUTest {

    private static float[] apply(LeakyReLU layer, float... x) {
        Sequential model = Sequential.of(Shape.of(x.length), layer);
        return ReferenceForwardPass.predict(model, Weights.builder().build(), x, 1);
    }

    @Test
    void scalesNegativeInputsBySlope() {
        assertArrayEquals(new float[] {-3, -1.5f, 0, 5}, apply(LeakyReLU.of(0.3), -10, -5, 0, 5), 1e-6f);
        // A slope above 1 still scales only the negative side.
        assertArrayEquals(new float[] {-4, 0, 2}, apply(LeakyReLU.of(2), -2, 0, 2), 1e-6f);
    }

    @Test
    void readsKeras2sAlphaAndKerasDefault() {
        String keras2 = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": ["
                + "{\"class_name\": \"LeakyReLU\", \"config\": {\"name\": \"a\", \"batch_input_shape\": [null, 4], "
                + "\"alpha\": 0.1}}, {\"class_name\": \"LeakyReLU\", \"config\": {\"name\": \"b\"}}]}}";
        Sequential model = (Sequential) KerasJson.modelFromJson(keras2);
        assertEquals(new LeakyReLU("a", 0.1), model.layers().get(0));
        assertEquals(new LeakyReLU("b", LeakyReLU.DEFAULT_NEGATIVE_SLOPE), model.layers().get(1));
        assertEquals(0.3, LeakyReLU.DEFAULT_NEGATIVE_SLOPE);
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
        assertEquals("leaky_re_lu", Sequential.of(Shape.of(2), LeakyReLU.of(0.2)).layers().get(0).name());
    }

    @Test
    void refusesANegativeSlope() {
        assertEquals("LeakyReLU.negative_slope must be a finite number >= 0, got -0.5",
                assertThrows(IllegalArgumentException.class, () -> LeakyReLU.of(-0.5)).getMessage());
    }
}
