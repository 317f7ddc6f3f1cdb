package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class LayerNormalizationTest {
    private static final Shape IMAGE = Shape.image(8, 8, 3);

    private static LayerNormalization read(String json, Shape input) throws Exception {
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(json);
        return LayerNormalization.fromKeras(KerasConfig.layer("w", config), input);
    }

    @Test
    void normalisesEachExampleThenScalesAndShifts() {
        Sequential model = Sequential.of(Shape.of(2), LayerNormalization.of().withName("ln"));
        Weights weights = Weights.builder()
                .put("ln/gamma", FloatTensor.of(new int[] {2}, new float[] {2, 3}))
                .put("ln/beta", FloatTensor.of(new int[] {2}, new float[] {0, 1}))
                .build();
        // Example (1, 3): mean 2, variance 1, so (x - 2) / sqrt(1.001); example (5, 5): variance 0, all 0.
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {1, 3, 5, 5}, 2);
        double unit = 1 / Math.sqrt(1.001);
        assertArrayEquals(new float[] {(float) (-2 * unit), (float) (1 + 3 * unit), 0, 1}, out, 1e-6f);
    }

    @Test
    void overSeveralTrailingAxesGammaAndBetaHaveTheirShape() {
        // Keras: LayerNormalization(axis=[1, 2, 3]) on (8, 8, 3) has gamma and beta (8, 8, 3): 384 parameters.
        Sequential model = Sequential.of(IMAGE, LayerNormalization.of().withTrailingAxes(3));
        assertEquals(384, model.totalParams());
        assertEquals("[gamma[8, 3], beta[8, 3]]", LayerNormalization.of().withTrailingAxes(2).weights(IMAGE)
                .toString());
        assertEquals("[beta[3]]", LayerNormalization.of().withScale(false).weights(IMAGE).toString());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.of(4), LayerNormalization.of().withTrailingAxes(2).withName("ln")));
        assertTrue(e.getMessage().contains("LayerNormalization 'ln' normalizes the last 2 axes"), e.getMessage());
    }

    @Test
    void readsKerasAxesEitherWay() throws Exception {
        assertEquals(1, read("{\"axis\": -1}", IMAGE).trailingAxes());
        assertEquals(1, read("{\"axis\": [3]}", IMAGE).trailingAxes());
        assertEquals(2, read("{\"axis\": [-1, 2]}", IMAGE).trailingAxes());
        assertEquals("w: axis [1,3] is not a set of trailing axes of input (None, 8, 8, 3); Sightline normalizes "
                + "the last axes of an example", assertThrows(IllegalArgumentException.class,
                        () -> read("{\"axis\": [1, 3]}", IMAGE)).getMessage());
        assertEquals("w: axis [0,1,2,3] is not a set of trailing axes of input (None, 8, 8, 3); Sightline "
                + "normalizes the last axes of an example", assertThrows(IllegalArgumentException.class,
                        () -> read("{\"axis\": [0, 1, 2, 3]}", IMAGE)).getMessage());
        assertEquals("w: axis 4 names no axis of input (None, 8, 8, 3)",
                assertThrows(IllegalArgumentException.class, () -> read("{\"axis\": 4}", IMAGE)).getMessage());
        assertEquals("w: rms_scaling = true is not supported",
                assertThrows(IllegalArgumentException.class, () -> read("{\"rms_scaling\": true}", IMAGE))
                        .getMessage());
    }
}
