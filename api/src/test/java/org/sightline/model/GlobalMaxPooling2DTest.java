package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;

class GlobalMaxPooling2DTest {

    @Test
    void takesTheLargestValueOfEachChannel() {
        // NHWC: channel 0 holds 1, -2, 3, 0 and channel 1 holds -10, -20, -5, -40.
        float[] image = {1, -10, -2, -20, 3, -5, 0, -40};
        Sequential vector = Sequential.of(Shape.image(2, 2, 2), GlobalMaxPooling2D.of());
        assertArrayEquals(new float[] {3, -5}, ReferenceForwardPass.predict(vector, Weights.builder().build(),
                image, 1), 0f);
        Sequential kept = Sequential.of(Shape.image(2, 2, 2), GlobalMaxPooling2D.of().withKeepDims(true));
        assertEquals(Shape.image(1, 1, 2), kept.outputShape());
        assertArrayEquals(new float[] {3, -5}, ReferenceForwardPass.predict(kept, Weights.builder().build(),
                image, 1), 0f);
        assertEquals(0, kept.totalParams());
    }
}
