package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.Augmentations;
import org.sightline.conformance.ReferenceForwardPass;

class SpatialDropout2DTest {
    private static final Shape IMAGE = Shape.image(2, 3, 8);

    private static float[] images(int count) {
        float[] images = new float[count * IMAGE.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = 1 + i;
        }
        return images;
    }

    @Test
    void passesValuesThroughAtInference() {
        Sequential model = Sequential.of(IMAGE, SpatialDropout2D.of(0.5));
        assertArrayEquals(images(2), ReferenceForwardPass.predict(model, Weights.builder().build(), images(2), 2), 0);
    }

    @Test
    void dropsWholeChannelsOfEachExampleAndScalesTheRest() {
        Sequential model = Sequential.of(IMAGE, SpatialDropout2D.of(0.5));
        int count = 50;
        float[] x = images(count);
        float[] y = Augmentations.trainingOutput(model, x, count, 3);
        int dropped = 0;
        for (int example = 0; example < count; example++) {
            for (int channel = 0; channel < 8; channel++) {
                int first = example * IMAGE.size() + channel;
                boolean kept = y[first] != 0;
                dropped += kept ? 0 : 1;
                for (int pixel = 0; pixel < 6; pixel++) {
                    int i = first + pixel * 8;
                    assertEquals(kept ? 2 * x[i] : 0, y[i], 1e-4, "example " + example + ", channel " + channel);
                }
            }
        }
        // 400 channels at rate 0.5: four standard deviations are 0.1.
        assertEquals(0.5, dropped / 400.0, 0.1);
        assertArrayEquals(y, Augmentations.trainingOutput(model, x, count, 3), "the same seed drops the same");
    }

    @Test
    void needsAnImageAndARateBelowOne() {
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.of(4), new SpatialDropout2D("sd", 0.1)));
        assertTrue(flat.getMessage().contains("SpatialDropout2D 'sd' needs an image input"), flat.getMessage());
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () -> SpatialDropout2D.of(1));
        assertEquals("SpatialDropout2D.rate must be in [0, 1), got 1.0", rate.getMessage());
        assertEquals(0, Sequential.of(IMAGE, SpatialDropout2D.of(0.2)).totalParams());
    }
}
