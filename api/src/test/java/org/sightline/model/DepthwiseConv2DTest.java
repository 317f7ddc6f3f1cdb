package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class DepthwiseConv2DTest {

    /**
     * One row of two pixels, channels (1, 10) and (2, 20), a 1x2 kernel with two kernels per channel:
     * output channel {@code c * 2 + m} is channel c's convolution with kernel m, Keras's order.
     */
    @Test
    void outputChannelsComeChannelByChannelThenKernelByKernel() {
        Sequential model = Sequential.of(Shape.image(1, 2, 2), new DepthwiseConv2D("dw", 1, 2, 1, 1, 1, 1, 2, Padding.VALID,
                ActivationFunction.LINEAR, true, Constraint.none()));
        // [kh, kw, c, m]: column 0 (c0: 1, 0; c1: 0, 1), column 1 (c0: 1, -1; c1: 2, 0).
        Weights weights = Weights.builder()
                .put("dw/depthwise_kernel", FloatTensor.of(new int[] {1, 2, 2, 2}, new float[] {1, 0, 0, 1, 1, -1, 2, 0}))
                .put("dw/bias", FloatTensor.of(new int[] {4}, new float[] {0.5f, 0, 0, -1}))
                .build();
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {1, 10, 2, 20}, 1);
        // c0 m0: 1*1 + 2*1 = 3; c0 m1: 1*0 + 2*-1 = -2; c1 m0: 10*0 + 20*2 = 40; c1 m1: 10*1 + 20*0 = 10.
        assertArrayEquals(new float[] {3.5f, -2, 40, 9}, out, 1e-6f);
    }

    @Test
    void shapesAndParametersAsKeras() {
        Shape image = Shape.image(8, 8, 3);
        DepthwiseConv2D layer = DepthwiseConv2D.of(3).withDepthMultiplier(2);
        assertEquals(Shape.image(6, 6, 6), layer.outputShape(image));
        assertEquals(Shape.image(4, 4, 6), layer.withPadding(Padding.SAME).withStrides(2, 2).outputShape(image));
        // A 3-row kernel dilated by 3 covers 7 rows.
        assertEquals(Shape.image(2, 6, 6), layer.withDilation(3, 1).outputShape(image));
        // Keras: DepthwiseConv2D(3, depth_multiplier=2) on 3 channels: 3*3*3*2 + 6 = 60 parameters.
        Sequential model = Sequential.of(image, layer);
        assertEquals(60, model.totalParams());
        assertEquals("[depthwise_kernel[3, 3, 3, 2], bias[6]]", layer.weights(image).toString());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void refusesWhatKerasRefuses() {
        assertEquals("DepthwiseConv2D.depth_multiplier must be > 0, got 0",
                assertThrows(IllegalArgumentException.class, () -> DepthwiseConv2D.of(3).withDepthMultiplier(0))
                        .getMessage());
        assertEquals("DepthwiseConv2D.dilation_rate (2, 2) > 1 cannot go with strides (2, 2) > 1, as in Keras",
                assertThrows(IllegalArgumentException.class,
                        () -> DepthwiseConv2D.of(3).withStrides(2, 2).withDilation(2, 2)).getMessage());
    }
}
