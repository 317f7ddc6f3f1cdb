package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class GlobalAveragePooling2DTest {

    @Test
    void averagesEachChannelOverTheImage() {
        Sequential model = Sequential.of(Shape.image(2, 2, 2), GlobalAveragePooling2D.of());
        // NHWC: channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 20, 30, 40.
        float[] image = {1, 10, 2, 20, 3, 30, 4, 40};
        float[] means = ReferenceForwardPass.predict(model, Weights.builder().build(), image, 1);
        assertArrayEquals(new float[] {2.5f, 25f}, means, 1e-6f);
    }

    @Test
    void givesAVectorOfChannelsOrA1x1Image() {
        Shape image = Shape.image(7, 5, 3);
        assertEquals(Shape.of(3), GlobalAveragePooling2D.of().outputShape(image));
        assertEquals(Shape.image(1, 1, 3), GlobalAveragePooling2D.of().withKeepDims(true).outputShape(image));
    }

    @Test
    void refusesAFlatInputNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.of(6), new GlobalAveragePooling2D("gap", false)));
        assertTrue(e.getMessage().contains("GlobalAveragePooling2D 'gap' needs an image input"), e.getMessage());
    }

    @Test
    void aModelWithItCountsParametersAsKerasAndRoundTripsThroughKerasJson() {
        Sequential model = Sequential.of(Shape.image(8, 8, 3),
                Conv2D.of(16, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU),
                GlobalAveragePooling2D.of(), Dense.of(10).withActivation(ActivationFunction.SOFTMAX));
        // Keras: conv 3*3*3*16 + 16 = 448, pooling none, dense 16*10 + 10 = 170.
        assertEquals(618, model.totalParams());
        assertEquals(0, model.params(1));
        // Keras 2 cuts the first column at 29 characters and overwrites its last one with a space.
        assertTrue(model.summary().contains("\nglobal_average_pooling2d (Gl (None, 16)                0         \n"),
                model.summary());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }
}
