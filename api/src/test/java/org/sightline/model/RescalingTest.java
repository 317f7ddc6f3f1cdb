package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;

class RescalingTest {

    private static float[] predict(Shape input, Rescaling layer, float... values) {
        return ReferenceForwardPass.predict(Sequential.of(input, layer), Weights.builder().build(), values, 1);
    }

    @Test
    void scalesThenOffsets() {
        assertArrayEquals(new float[] {-1, 0, 1}, predict(Shape.of(3), Rescaling.of(1 / 127.5, -1), 0, 127.5f, 255),
                1e-6f);
    }

    @Test
    void scalesAndOffsetsEachChannel() {
        // A 1 x 2 image of 2 channels: channel 0 by 2 then + 1, channel 1 by -1 then + 10.
        Rescaling layer = new Rescaling(null, List.of(2.0, -1.0), List.of(1.0, 10.0));
        assertArrayEquals(new float[] {3, 8, 7, 6}, predict(Shape.image(1, 2, 2), layer, 1, 2, 3, 4), 0);
    }

    @Test
    void refusesAListThatDoesNotFitTheChannels() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sequential.of(
                Shape.image(2, 2, 3), new Rescaling("r", List.of(1.0, 2.0), List.of(0.0))));
        assertTrue(e.getMessage().contains("Rescaling 'r' has 2 scale values for the 3 values of the last axis"),
                e.getMessage());
    }

    @Test
    void readsAnAbsentOffsetAsZeroAndNeedsAScale() {
        assertEquals(Rescaling.of(0.5, 0), Rescaling.fromKeras(ZeroPadding2DTest.config("{\"scale\": 0.5}"),
                Shape.of(2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rescaling.fromKeras(ZeroPadding2DTest.config("{\"offset\": 1}"), Shape.of(2)));
        assertEquals("m.json: layer 'x': missing required setting 'scale'", e.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> Rescaling.fromKeras(ZeroPadding2DTest.config("{\"scale\": [1, \"2\"]}"), Shape.of(2)));
        assertEquals("m.json: layer 'x': scale must be a number or a list of numbers, got [1,\"2\"]", text.getMessage());
    }
}
