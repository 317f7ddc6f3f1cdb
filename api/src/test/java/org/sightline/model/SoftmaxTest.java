package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class SoftmaxTest {

    private static String model(String axis) {
        return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": [{\"class_name\": "
                + "\"Softmax\", \"config\": {\"name\": \"sm\", \"batch_input_shape\": [null, 4, 4, 3], \"axis\": "
                + axis + "}}]}}";
    }

    @Test
    void normalisesTheLastAxis() {
        Sequential model = Sequential.of(Shape.of(3), Softmax.of());
        float[] y = ReferenceForwardPass.predict(model, Weights.builder().build(),
                new float[] {0, (float) Math.log(2), (float) Math.log(3)}, 1);
        assertArrayEquals(new float[] {1 / 6f, 2 / 6f, 3 / 6f}, y, 1e-6f);
    }

    @Test
    void readsTheLastAxisInEveryKerasSpellingAndRefusesOthers() {
        for (String axis : new String[] {"-1", "3", "[-1]", "[3]"}) {
            assertEquals(new Softmax("sm"), KerasJson.modelFromJson(model(axis)).layers().get(0), axis);
        }
        for (String axis : new String[] {"1", "[1, 2]", "\"x\""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KerasJson.modelFromJson(model(axis)));
            assertTrue(e.getMessage().contains("axis " + axis.replace(" ", "") + " is not supported; Sightline's "
                    + "Softmax runs over the last axis (-1)"), e.getMessage());
        }
        Sequential model = Sequential.of(Shape.image(4, 4, 3), Softmax.of());
        assertEquals("softmax", model.layers().get(0).name());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }
}
