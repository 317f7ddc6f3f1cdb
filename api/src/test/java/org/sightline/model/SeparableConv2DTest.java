package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class SeparableConv2DTest {

    @Test
    void aDepthwiseConvolutionThenAPointwiseOne() {
        Sequential model = Sequential.of(Shape.image(1, 2, 2), new SeparableConv2D("sep", 2, 1, 2, 1, 1, 1, 1, 2,
                Padding.VALID, ActivationFunction.LINEAR, true, Constraint.none(), Constraint.none()));
        // The depthwise step as in DepthwiseConv2DTest gives (3, -2, 40, 10) in Keras's channel order; the
        // pointwise kernel [1, 1, 4, 2] weighs them (1, 1, 1, 1) into filter 0 and (1, 0, 0, 0) into filter 1.
        Weights weights = Weights.builder()
                .put("sep/depthwise_kernel", FloatTensor.of(new int[] {1, 2, 2, 2},
                        new float[] {1, 0, 0, 1, 1, -1, 2, 0}))
                .put("sep/pointwise_kernel", FloatTensor.of(new int[] {1, 1, 4, 2},
                        new float[] {1, 1, 1, 0, 1, 0, 1, 0}))
                .put("sep/bias", FloatTensor.of(new int[] {2}, new float[] {1, -1}))
                .build();
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {1, 10, 2, 20}, 1);
        assertArrayEquals(new float[] {3 - 2 + 40 + 10 + 1, 3 - 1}, out, 1e-6f);
    }

    @Test
    void shapesAndParametersAsKeras() {
        Shape image = Shape.image(8, 8, 3);
        SeparableConv2D layer = SeparableConv2D.of(16, 3);
        assertEquals(Shape.image(6, 6, 16), layer.outputShape(image));
        assertEquals(Shape.image(4, 4, 16), layer.withPadding(Padding.SAME).withStrides(2, 2).outputShape(image));
        // Keras: SeparableConv2D(16, 3) on 3 channels: 3*3*3*1 + 1*1*3*16 + 16 = 91 parameters.
        Sequential model = Sequential.of(image, layer);
        assertEquals(91, model.totalParams());
        assertEquals("[depthwise_kernel[3, 3, 3, 2], pointwise_kernel[1, 1, 6, 16], bias[16]]",
                layer.withDepthMultiplier(2).weights(image).toString());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }
}
