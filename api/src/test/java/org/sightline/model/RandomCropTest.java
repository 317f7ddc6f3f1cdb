package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.Augmentations;
import org.sightline.conformance.ReferenceForwardPass;

class RandomCropTest {

    private static float[] predict(Shape input, RandomCrop crop, float[] image) {
        return ReferenceForwardPass.predict(Sequential.of(input, crop), Weights.builder().build(), image, 1);
    }

    @Test
    void inferenceTakesTheCentredWindowOfTheTargetRatio() {
        // 1 x 4 -> 1 x 2: the middle two columns, no resize.
        assertArrayEquals(new float[] {2, 3}, predict(Shape.image(1, 4, 1), RandomCrop.of(1, 2),
                new float[] {1, 2, 3, 4}), 0);
    }

    @Test
    void inferenceResizesTheWindowBilinearlyWithHalfPixelCentres() {
        // 2 x 4 -> 1 x 2: the whole image has the ratio; rows average to 3 4 5 6, column pairs to 3.5 5.5.
        assertArrayEquals(new float[] {3.5f, 5.5f}, predict(Shape.image(2, 4, 1), RandomCrop.of(1, 2),
                new float[] {1, 2, 3, 4, 5, 6, 7, 8}), 1e-6f);
        // 1 x 2 -> 1 x 4, as tf.image.resize([0, 4]): sources -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
        assertArrayEquals(new float[] {0, 1, 3, 4}, predict(Shape.image(1, 2, 1), RandomCrop.of(1, 4),
                new float[] {0, 4}), 1e-6f);
    }

    @Test
    void trainingPicksEveryWindowAndInferenceResizesTheCentredOne() {
        Shape input = Shape.image(4, 5, 1);
        // Inference: window 3 x 5 at the top (rows (4 - 3) / 2 = 0), rows 3 -> 2 and columns 5 -> 3.
        // Training: one of 9 windows per batch; 100 batches miss one with probability 9 (8/9)^100 < 1e-4.
        int[] chosen = Augmentations.checkRandomLayer(RandomCrop.of(2, 3), input, x -> resize(Augmentations.crop(x,
                input, 0, 0, 3, 5), Shape.image(3, 5, 1), 2, 3), 4, 100);
        for (int n : chosen) {
            assertEquals(0, n % 4, "the 4 examples of a batch share a window: " + Arrays.toString(chosen));
        }
    }

    @Test
    void trainingOnAnInputNoLargerInBothDirectionsIsInference() {
        Shape input = Shape.image(4, 5, 2);
        Sequential model = Sequential.of(input, RandomCrop.of(4, 3));
        float[] images = new float[2 * input.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = i;
        }
        assertArrayEquals(ReferenceForwardPass.predict(model, Weights.builder().build(), images, 2),
                Augmentations.trainingOutput(model, images, 2, 3), 0);
    }

    @Test
    void givesTheTargetSizeWithNoParameters() {
        Sequential model = Sequential.of(Shape.image(40, 40, 3), RandomCrop.of(32, 30));
        assertEquals(Shape.image(32, 30, 3), model.outputShape());
        assertEquals(0, model.totalParams());
    }

    /** Bilinear resize of a one-channel image as TensorFlow's, half-pixel centres, each axis in turn. */
    private static float[] resize(float[] x, Shape shape, int height, int width) {
        float[] out = new float[height * width];
        for (int r = 0; r < height; r++) {
            double[] row = source(r, shape.height(), height);
            for (int c = 0; c < width; c++) {
                double[] column = source(c, shape.width(), width);
                double top = x[(int) row[0] * shape.width() + (int) column[0]] * (1 - column[2])
                        + x[(int) row[0] * shape.width() + (int) column[1]] * column[2];
                double bottom = x[(int) row[1] * shape.width() + (int) column[0]] * (1 - column[2])
                        + x[(int) row[1] * shape.width() + (int) column[1]] * column[2];
                out[r * width + c] = (float) (top * (1 - row[2]) + bottom * row[2]);
            }
        }
        return out;
    }

    /** {lower, upper, weight of upper} of output index {@code i}. */
    private static double[] source(int i, int from, int to) {
        double s = (i + 0.5) * from / to - 0.5;
        return new double[] {Math.max(Math.floor(s), 0), Math.min(Math.ceil(s), from - 1), s - Math.floor(s)};
    }
}
