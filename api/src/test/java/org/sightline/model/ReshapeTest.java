package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class ReshapeTest {

    @Test
    void laysValuesOutRowMajorAndWorksOutTheMinusOne() {
        Sequential model = Sequential.of(Shape.of(6), Reshape.of(-1, 2), Reshape.of(2, 3));
        assertEquals(Shape.of(3, 2), model.outputShape(0));
        assertEquals(Shape.of(2, 3), model.outputShape());
        // Row-major both ways: the values keep their order.
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, ReferenceForwardPass.predict(model,
                Weights.builder().build(), new float[] {1, 2, 3, 4, 5, 6}, 1), 0);
    }

    @Test
    void refusesATargetThatDoesNotHoldTheInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.image(2, 2, 3), new Reshape("r", List.of(-1, 5))));
        assertTrue(e.getMessage().contains("Reshape 'r' cannot lay out the 12 values of (None, 2, 2, 3) as "
                + "target_shape [-1, 5]"), e.getMessage());
        IllegalArgumentException twoUnknown = assertThrows(IllegalArgumentException.class, () -> Reshape.of(-1, -1));
        assertEquals("Reshape.target_shape must hold dimensions > 0 and at most one -1, got [-1, -1]",
                twoUnknown.getMessage());
    }

    @Test
    void aModelWithItRoundTripsThroughKerasJson() {
        Sequential model = Sequential.of(Shape.image(4, 4, 2), Reshape.of(16, 2), Flatten.of(),
                Dense.of(3).withActivation(ActivationFunction.SOFTMAX));
        assertEquals(32 * 3 + 3, model.totalParams());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }
}
