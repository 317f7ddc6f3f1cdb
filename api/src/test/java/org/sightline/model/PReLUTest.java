package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class PReLUTest {

    @Test
    void eachChannelScalesItsNegativeInputsByItsAlpha() {
        Sequential model = Sequential.of(Shape.image(1, 2, 2), PReLU.of().withSharedAxes(1, 2));
        Weights alpha = Weights.builder().put("p_re_lu/alpha", FloatTensor.wrap(new int[] {1, 1, 2},
                new float[] {0.5f, -2})).build();
        // NHWC: pixel 0 holds (-4, -1), pixel 1 holds (3, 2).
        float[] y = ReferenceForwardPass.predict(model, alpha, new float[] {-4, -1, 3, 2}, 1);
        assertArrayEquals(new float[] {-2, 2, 3, 2}, y, 1e-6f);
    }

    @Test
    void alphaIsShapedLikeAnExampleWithOneAlongSharedAxes() {
        Shape image = Shape.image(8, 8, 3);
        assertArrayEquals(new int[] {8, 8, 3}, PReLU.of().weights(image).get(0).shape());
        assertArrayEquals(new int[] {1, 1, 3}, PReLU.of().withSharedAxes(1, 2).weights(image).get(0).shape());
        assertArrayEquals(new int[] {8, 8, 1}, PReLU.of().withSharedAxes(3).weights(image).get(0).shape());
        WeightSpec alpha = PReLU.of().weights(Shape.of(5)).get(0);
        assertEquals("alpha", alpha.name());
        assertTrue(alpha.trainable());
        assertEquals(Initializer.ZEROS, alpha.initializer());
    }

    @Test
    void aModelWithItCountsParametersAsKerasAndRoundTripsThroughKerasJson() {
        Sequential model = Sequential.of(Shape.image(8, 8, 3), Conv2D.of(4, 3), PReLU.of().withSharedAxes(1, 2),
                Conv2D.of(2, 3), PReLU.of());
        // Keras: conv 3*3*3*4 + 4 = 112, alpha 1*1*4 = 4, conv 3*3*4*2 + 2 = 74, alpha 4*4*2 = 32.
        assertEquals(4, model.params(1));
        assertEquals(32, model.params(3));
        assertEquals(222, model.totalParams());
        assertEquals("p_re_lu", model.layers().get(1).name());
        assertTrue(model.summary().contains("\np_re_lu (PReLU)"), model.summary());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void refusesAxesOutsideTheInput() {
        assertEquals("PReLU.shared_axes must count from 1 (axis 0 is the batch), got [0, 1]",
                assertThrows(IllegalArgumentException.class, () -> PReLU.of().withSharedAxes(0, 1)).getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.of(6), new PReLU("p", List.of(2))));
        assertTrue(e.getMessage().contains("PReLU 'p' shares axis 2 but its input (None, 6) has axes 1 to 1"),
                e.getMessage());
    }
}
