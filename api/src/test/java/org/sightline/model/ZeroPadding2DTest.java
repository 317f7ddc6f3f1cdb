package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;

class ZeroPadding2DTest {

    static KerasConfig config(String json) {
        try {
            return KerasConfig.layer("m.json: layer 'x'", (ObjectNode) new ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void padsEachSideWithZeros() {
        // 1 x 2 x 1 image 1 2; one row on top, one column on the right.
        Sequential model = Sequential.of(Shape.image(1, 2, 1), new ZeroPadding2D(null, 1, 0, 0, 1));
        assertEquals(Shape.image(2, 3, 1), model.outputShape());
        assertArrayEquals(new float[] {0, 0, 0, 1, 2, 0},
                ReferenceForwardPass.predict(model, Weights.builder().build(), new float[] {1, 2}, 1), 0);
    }

    @Test
    void readsEveryKerasSpellingOfPadding() {
        Shape image = Shape.image(4, 4, 1);
        assertEquals(new ZeroPadding2D(null, 2, 2, 2, 2), ZeroPadding2D.fromKeras(config("{\"padding\": 2}"), image));
        assertEquals(new ZeroPadding2D(null, 1, 1, 3, 3),
                ZeroPadding2D.fromKeras(config("{\"padding\": [1, 3]}"), image));
        assertEquals(new ZeroPadding2D(null, 0, 1, 2, 3),
                ZeroPadding2D.fromKeras(config("{\"padding\": [[0, 1], [2, 3]]}"), image));
        // Keras's default is 1 on every side.
        assertEquals(ZeroPadding2D.of(1), ZeroPadding2D.fromKeras(config("{}"), image));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZeroPadding2D.fromKeras(config("{\"padding\": [1, 2, 3]}"), image));
        assertEquals("m.json: layer 'x': padding must be an integer, a pair of integers or ((top, bottom), "
                + "(left, right)), got [1,2,3]", e.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> ZeroPadding2D.fromKeras(config("{\"padding\": -1}"), image));
        assertEquals("m.json: layer 'x': ZeroPadding2D.padding must be >= 0 on every side, got ((-1, -1), (-1, -1))",
                negative.getMessage());
    }

    @Test
    void hasNoParameters() {
        assertEquals(0, Sequential.of(Shape.image(32, 32, 3), ZeroPadding2D.of(4)).totalParams());
    }
}
