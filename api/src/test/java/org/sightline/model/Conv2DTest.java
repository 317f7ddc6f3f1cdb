package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;

/** What groups and dilation change in {@link Conv2D}; the rest is in the kit and KerasConfigTest. */
class Conv2DTest {

    private static float[] predict(Layer layer, Shape input, Weights weights, float... image) {
        return ReferenceForwardPass.predict(Sequential.of(input, layer), weights, image, 1);
    }

    @Test
    void eachGroupSeesOnlyItsOwnInputChannels() {
        Conv2D conv = Conv2D.of(2, 1).withGroups(2).withUseBias(false).withName("c");
        // Kernel [1, 1, 2 per group, 2]: output 0 reads channels 0 and 1 with (1, 2), output 1 channels 2
        // and 3 with (10, 20).
        Weights weights = Weights.builder().put("c/kernel", FloatTensor.of(new int[] {1, 1, 2, 2},
                new float[] {1, 10, 2, 20})).build();
        assertArrayEquals(new float[] {1 * 1 + 2 * 2, 3 * 10 + 4 * 20},
                predict(conv, Shape.image(1, 1, 4), weights, 1, 2, 3, 4), 1e-6f);
    }

    @Test
    void aDilatedKernelSkipsPixels() {
        Conv2D conv = new Conv2D("c", 1, 1, 2, 1, 1, 1, 2, 1, Padding.VALID, ActivationFunction.LINEAR, false,
                Constraint.none());
        Weights weights = Weights.builder().put("c/kernel", FloatTensor.of(new int[] {1, 2, 1, 1},
                new float[] {10, 100})).build();
        // Taps two columns apart: pixels 0 and 2 of a row of three, one output.
        assertArrayEquals(new float[] {1 * 10 + 3 * 100}, predict(conv, Shape.image(1, 3, 1), weights, 1, 2, 3),
                1e-6f);
    }

    @Test
    void shapesAndParametersAsKeras() {
        Shape image = Shape.image(7, 7, 4);
        // A 3x3 kernel dilated by 2 covers 5x5 pixels.
        assertEquals(Shape.image(3, 3, 8), Conv2D.of(8, 3).withDilation(2, 2).outputShape(image));
        assertEquals(Shape.image(7, 7, 8), Conv2D.of(8, 3).withDilation(2, 2).withPadding(Padding.SAME)
                .outputShape(image));
        // Keras: Conv2D(8, 3, groups=4) on 4 channels has 3*3*1*8 + 8 = 80 parameters.
        Sequential model = Sequential.of(image, Conv2D.of(8, 3).withGroups(4));
        assertEquals(80, model.totalParams());
        assertArrayEquals(new int[] {3, 3, 1, 8}, model.weights().get(0).spec().shape());
    }

    @Test
    void refusesWhatKerasRefuses() {
        assertEquals("Conv2D.filters (6) must be divisible by groups (4)",
                assertThrows(IllegalArgumentException.class, () -> Conv2D.of(6, 3).withGroups(4)).getMessage());
        assertEquals("Conv2D.dilation_rate (2, 1) > 1 cannot go with strides (1, 2) > 1, as in Keras",
                assertThrows(IllegalArgumentException.class,
                        () -> Conv2D.of(6, 3).withStrides(1, 2).withDilation(2, 1)).getMessage());
        assertEquals("Conv2D 'c': input channels (3) must be divisible by groups (2)",
                assertThrows(IllegalArgumentException.class, () -> Sequential.of(Shape.image(5, 5, 3),
                        Conv2D.of(4, 3).withGroups(2).withName("c"))).getMessage());
    }

    @Test
    void readsDilationAndGroupsInKeras2Spelling() throws Exception {
        // Keras 2.3 onwards wrote groups; dilation as a pair.
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree("{\"name\": \"c\", \"filters\": 8, "
                + "\"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"same\", \"dilation_rate\": [2, 3], "
                + "\"groups\": 2}");
        Conv2D conv = Conv2D.fromKeras(KerasConfig.layer("w", config), Shape.image(9, 9, 4));
        assertEquals(Conv2D.of(8, 3).withPadding(Padding.SAME).withDilation(2, 3).withGroups(2).withName("c"), conv);
    }
}
