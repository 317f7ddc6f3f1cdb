package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

/** Batch normalisation over another axis than the last, and without gamma or beta. */
class BatchNormalizationTest {
    private static final Shape IMAGE = Shape.image(8, 8, 3);

    private static BatchNormalization read(String json, Shape input) throws Exception {
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(json);
        return BatchNormalization.fromKeras(KerasConfig.layer("w", config), input);
    }

    @Test
    void normalisesTheHeightAxisWithItsOwnStatistics() {
        // Two rows of one pixel of one channel: rows are the normalised axis.
        Sequential model = Sequential.of(Shape.image(2, 1, 1), BatchNormalization.of().withAxis(-3)
                .withCenter(false).withName("bn"));
        Weights weights = Weights.builder()
                .put("bn/gamma", FloatTensor.of(new int[] {2}, new float[] {10, 100}))
                .put("bn/moving_mean", FloatTensor.of(new int[] {2}, new float[] {1, 2}))
                .put("bn/moving_variance", FloatTensor.of(new int[] {2}, new float[] {3.999f, 8.999f}))
                .build();
        // Row 0: (3 - 1) / sqrt(4) * 10 = 10; row 1: (8 - 2) / sqrt(9) * 100 = 200.
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {3, 8}, 1);
        assertArrayEquals(new float[] {10, 200}, out, 1e-4f);
    }

    @Test
    void weightsFollowTheAxisAndTheSwitchesAsKeras() {
        assertEquals("[gamma[8], beta[8], moving_mean[8] (non-trainable), moving_variance[8] (non-trainable)]",
                BatchNormalization.of().withAxis(-2).weights(IMAGE).toString());
        // Keras: BatchNormalization(center=False) on 3 channels: gamma 3 and the moving statistics 6.
        Sequential model = Sequential.of(IMAGE, BatchNormalization.of().withCenter(false));
        assertEquals(9, model.totalParams());
        assertEquals(3, model.trainableParams());
        assertEquals("[moving_mean[3] (non-trainable), moving_variance[3] (non-trainable)]",
                BatchNormalization.of().withCenter(false).withScale(false).weights(IMAGE).toString());
        Sequential height = Sequential.of(IMAGE, BatchNormalization.of().withAxis(-3).withScale(false));
        assertEquals(height, KerasJson.modelFromJson(KerasJson.toJson(height)));
    }

    @Test
    void readsKerasAxesCountingTheBatch() throws Exception {
        assertEquals(-1, read("{\"axis\": 3}", IMAGE).axis());
        assertEquals(-1, read("{\"axis\": [-1]}", IMAGE).axis());
        assertEquals(-3, read("{\"axis\": 1}", IMAGE).axis());
        assertEquals(-2, read("{\"axis\": [2]}", IMAGE).axis());
        assertEquals(-1, read("{\"axis\": 1}", Shape.of(5)).axis());
        assertEquals("w: axis must be one integer, got [1,2]; Sightline normalizes over one axis",
                assertThrows(IllegalArgumentException.class, () -> read("{\"axis\": [1, 2]}", IMAGE)).getMessage());
        assertEquals("w: axis 4 is not an axis of an example of input (None, 8, 8, 3) (1 to 3, or -1 to -3)",
                assertThrows(IllegalArgumentException.class, () -> read("{\"axis\": 4}", IMAGE)).getMessage());
        BatchNormalization neither = read("{\"center\": false, \"scale\": false}", IMAGE);
        assertEquals(BatchNormalization.of().withCenter(false).withScale(false), neither);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.of(4), BatchNormalization.of().withAxis(-2).withName("bn")));
        assertEquals("BatchNormalization 'bn': axis -2 is outside input (None, 4)", e.getMessage());
    }
}
