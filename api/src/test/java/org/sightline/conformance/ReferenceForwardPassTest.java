package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;

/** Every expected value here was worked out by hand from the Keras/TensorFlow definitions. */
class ReferenceForwardPassTest {
    private static final float EXACT = 0f;
    private static final float CLOSE = 1e-6f;

    private static float[] range(int from, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = from + i;
        }
        return values;
    }

    private static FloatTensor tensor(int[] shape, float... values) {
        return FloatTensor.of(shape, values);
    }

    @Test
    void twoByTwoConvolutionWithBias() {
        Sequential model = Sequential.of(Shape.image(3, 3, 1), Conv2D.of(1, 2));
        Weights weights = Weights.builder()
                .put("conv2d/kernel", tensor(new int[] {2, 2, 1, 1}, 1, 0, 0, 1))
                .put("conv2d/bias", tensor(new int[] {1}, 0.5f))
                .build();
        // Input rows 1 2 3 / 4 5 6 / 7 8 9; the kernel adds the top-left and bottom-right of each window.
        float[] out = ReferenceForwardPass.predict(model, weights, range(1, 9), 1);
        assertArrayEquals(new float[] {1 + 5 + 0.5f, 2 + 6 + 0.5f, 4 + 8 + 0.5f, 5 + 9 + 0.5f}, out, EXACT);
    }

    @Test
    void convolutionKernelIsHeightWidthInOut() {
        Sequential model = Sequential.of(Shape.image(1, 1, 2), Conv2D.of(2, 1).withUseBias(false));
        // [kh=1, kw=1, in=2, out=2]: in0->out0 1, in0->out1 10, in1->out0 100, in1->out1 1000.
        Weights weights = Weights.builder().put("conv2d/kernel", tensor(new int[] {1, 1, 2, 2}, 1, 10, 100, 1000))
                .build();
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {2, 3}, 1);
        assertArrayEquals(new float[] {2 * 1 + 3 * 100, 2 * 10 + 3 * 1000}, out, EXACT);
    }

    @Test
    void samePaddingWithStrideTwoPadsBottomAndRight() {
        // 4x4 input 1..16, 3x3 kernel of ones, stride 2, 'same': output 2x2, total padding
        // (2 - 1) * 2 + 3 - 4 = 1 per axis, all of it after the last row and column as TensorFlow does.
        Sequential model = Sequential.of(Shape.image(4, 4, 1),
                Conv2D.of(1, 3).withStrides(2, 2).withPadding(Padding.SAME).withUseBias(false));
        Weights weights = Weights.builder().put("conv2d/kernel", FloatTensor.filled(new int[] {3, 3, 1, 1}, 1f))
                .build();
        float[] out = ReferenceForwardPass.predict(model, weights, range(1, 16), 1);
        float topLeft = (1 + 2 + 3) + (5 + 6 + 7) + (9 + 10 + 11);
        float topRight = (3 + 4) + (7 + 8) + (11 + 12);
        float bottomLeft = (9 + 10 + 11) + (13 + 14 + 15);
        float bottomRight = (11 + 12) + (15 + 16);
        assertArrayEquals(new float[] {topLeft, topRight, bottomLeft, bottomRight}, out, EXACT);
        // Padding on top/left instead would make the first output 1 + 2 + 5 + 6.
        assertTrue(out[0] != 1 + 2 + 5 + 6);
    }

    @Test
    void samePaddingStrideOneKeepsSize() {
        Sequential model = Sequential.of(Shape.image(3, 3, 1),
                Conv2D.of(1, 3).withPadding(Padding.SAME).withUseBias(false));
        Weights weights = Weights.builder().put("conv2d/kernel", FloatTensor.filled(new int[] {3, 3, 1, 1}, 1f))
                .build();
        float[] out = ReferenceForwardPass.predict(model, weights, range(1, 9), 1);
        assertArrayEquals(new float[] {12, 21, 16, 27, 45, 33, 24, 39, 28}, out, EXACT);
    }

    @Test
    void validPaddingWithStrideTwo() {
        Sequential model = Sequential.of(Shape.image(5, 5, 1),
                Conv2D.of(1, 3).withStrides(2, 2).withUseBias(false));
        Weights weights = Weights.builder().put("conv2d/kernel", FloatTensor.filled(new int[] {3, 3, 1, 1}, 1f))
                .build();
        float[] out = ReferenceForwardPass.predict(model, weights, range(1, 25), 1);
        assertArrayEquals(new float[] {
            1 + 2 + 3 + 6 + 7 + 8 + 11 + 12 + 13, 3 + 4 + 5 + 8 + 9 + 10 + 13 + 14 + 15,
            11 + 12 + 13 + 16 + 17 + 18 + 21 + 22 + 23, 13 + 14 + 15 + 18 + 19 + 20 + 23 + 24 + 25}, out, EXACT);
    }

    @Test
    void convolutionActivationIsApplied() {
        Sequential model = Sequential.of(Shape.image(1, 2, 1),
                Conv2D.of(1, 1).withActivation(ActivationFunction.RELU));
        Weights weights = Weights.builder().put("conv2d/kernel", tensor(new int[] {1, 1, 1, 1}, 2))
                .put("conv2d/bias", tensor(new int[] {1}, -1)).build();
        assertArrayEquals(new float[] {0, 3}, ReferenceForwardPass.predict(model, weights, new float[] {0, 2}, 1),
                EXACT);
    }

    @Test
    void maxPoolingTwoByTwo() {
        Sequential model = Sequential.of(Shape.image(4, 4, 1), MaxPooling2D.of(2));
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(), range(1, 16), 1);
        assertArrayEquals(new float[] {6, 8, 14, 16}, out, EXACT);
    }

    @Test
    void maxPoolingWithStrideSmallerThanWindow() {
        Sequential model = Sequential.of(Shape.image(4, 4, 1),
                new MaxPooling2D(null, new PoolingWindow(3, 3, 1, 1, Padding.VALID)));
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(), range(1, 16), 1);
        assertArrayEquals(new float[] {11, 12, 15, 16}, out, EXACT);
    }

    @Test
    void maxPoolingSameIgnoresPadding() {
        // All values negative: a zero pad taking part in the max would show up as 0.
        Sequential model = Sequential.of(Shape.image(3, 3, 1),
                new MaxPooling2D(null, new PoolingWindow(2, 2, 2, 2, Padding.SAME)));
        float[] input = new float[9];
        for (int i = 0; i < 9; i++) {
            input[i] = -(i + 1);
        }
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(), input, 1);
        assertArrayEquals(new float[] {-1, -3, -7, -9}, out, EXACT);
    }

    @Test
    void averagePoolingSameLeavesPaddingOutOfTheCount() {
        // 3x3 input 1..9, 2x2 pool, stride 2, 'same': the padding row and column come after.
        Sequential model = Sequential.of(Shape.image(3, 3, 1),
                new AveragePooling2D(null, new PoolingWindow(2, 2, 2, 2, Padding.SAME)));
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(), range(1, 9), 1);
        assertArrayEquals(new float[] {(1 + 2 + 4 + 5) / 4f, (3 + 6) / 2f, (7 + 8) / 2f, 9}, out, EXACT);
    }

    @Test
    void poolingWorksChannelByChannel() {
        Sequential model = Sequential.of(Shape.image(2, 2, 2), AveragePooling2D.of(2));
        // Channel 0 holds 1, 2, 3, 4; channel 1 holds 10, 20, 30, 40.
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(),
                new float[] {1, 10, 2, 20, 3, 30, 4, 40}, 1);
        assertArrayEquals(new float[] {2.5f, 25}, out, EXACT);
    }

    @Test
    void denseUsesInByUnitsKernel() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(3));
        Weights weights = Weights.builder().put("dense/kernel", tensor(new int[] {2, 3}, 1, 2, 3, 4, 5, 6))
                .put("dense/bias", tensor(new int[] {3}, 0.5f, 0, -1)).build();
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {1, 2}, 1);
        assertArrayEquals(new float[] {1 + 8 + 0.5f, 2 + 10, 3 + 12 - 1}, out, EXACT);
    }

    @Test
    void softmaxOfLogarithmsGivesTheRatios() {
        Sequential model = Sequential.of(Shape.of(3), Activation.of(ActivationFunction.SOFTMAX));
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(),
                new float[] {0, (float) Math.log(2), (float) Math.log(3)}, 1);
        assertArrayEquals(new float[] {1 / 6f, 2 / 6f, 3 / 6f}, out, CLOSE);
    }

    @Test
    void softmaxOfLargeLogitsDoesNotOverflow() {
        Sequential model = Sequential.of(Shape.of(2), Activation.of(ActivationFunction.SOFTMAX));
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(), new float[] {1000, 1000}, 1);
        assertArrayEquals(new float[] {0.5f, 0.5f}, out, EXACT);
    }

    @Test
    void softmaxOfAnImageRunsOverChannels() {
        Sequential model = Sequential.of(Shape.image(1, 2, 2), Activation.of(ActivationFunction.SOFTMAX));
        float[] out = ReferenceForwardPass.predict(model, Weights.builder().build(),
                new float[] {0, 0, 0, (float) Math.log(3)}, 1);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.25f, 0.75f}, out, CLOSE);
    }

    @Test
    void elementWiseActivations() {
        float[] input = {-1, 0, 2};
        assertArrayEquals(new float[] {0, 0, 2}, run(ActivationFunction.RELU, input), EXACT);
        assertArrayEquals(new float[] {-1, 0, 2}, run(ActivationFunction.LINEAR, input), EXACT);
        float e = (float) Math.E;
        assertArrayEquals(new float[] {1 / (1 + e), 0.5f, 1 / (1 + 1 / (e * e))},
                run(ActivationFunction.SIGMOID, input), CLOSE);
        // tanh(x) = (e^2x - 1) / (e^2x + 1)
        assertArrayEquals(new float[] {(1 / (e * e) - 1) / (1 / (e * e) + 1), 0, (e * e * e * e - 1) / (e * e * e * e + 1)},
                run(ActivationFunction.TANH, input), CLOSE);
    }

    private static float[] run(ActivationFunction function, float[] input) {
        Sequential model = Sequential.of(Shape.of(input.length), Activation.of(function));
        return ReferenceForwardPass.predict(model, Weights.builder().build(), input, 1);
    }

    @Test
    void batchNormalizationUsesMovingStatistics() {
        Sequential model = Sequential.of(Shape.of(2), new BatchNormalization(null, 0.99, 1.0));
        Weights weights = Weights.builder()
                .put("batch_normalization/gamma", tensor(new int[] {2}, 2, 1))
                .put("batch_normalization/beta", tensor(new int[] {2}, 0.5f, 0))
                .put("batch_normalization/moving_mean", tensor(new int[] {2}, 1, 1))
                .put("batch_normalization/moving_variance", tensor(new int[] {2}, 3, 15))
                .build();
        // (3 - 1) / sqrt(3 + 1) * 2 + 0.5 = 2.5 ; (5 - 1) / sqrt(15 + 1) * 1 + 0 = 1
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {3, 5}, 1);
        assertArrayEquals(new float[] {2.5f, 1}, out, EXACT);
    }

    @Test
    void batchNormalizationOfAnImageWorksPerChannel() {
        Sequential model = Sequential.of(Shape.image(1, 2, 2), new BatchNormalization(null, 0.99, 1.0));
        Weights weights = Weights.builder()
                .put("batch_normalization/gamma", tensor(new int[] {2}, 1, 1))
                .put("batch_normalization/beta", tensor(new int[] {2}, 0, 10))
                .put("batch_normalization/moving_mean", tensor(new int[] {2}, 0, 0))
                .put("batch_normalization/moving_variance", tensor(new int[] {2}, 3, 0))
                .build();
        float[] out = ReferenceForwardPass.predict(model, weights, new float[] {2, 1, 4, 2}, 1);
        assertArrayEquals(new float[] {1, 11, 2, 12}, out, EXACT);
    }

    @Test
    void flattenKeepsHeightWidthChannelOrder() {
        // (h=1, w=2, c=2) holds [w0c0, w0c1, w1c0, w1c1] = [1, 2, 3, 4]; flat index 2 is w1c0 = 3
        // (channel-first order would put w0c1 = 2 there).
        Sequential model = Sequential.of(Shape.image(1, 2, 2), Flatten.of(), Dense.of(1).withUseBias(false));
        Weights weights = Weights.builder().put("dense/kernel", tensor(new int[] {4, 1}, 0, 0, 1, 0)).build();
        assertArrayEquals(new float[] {3}, ReferenceForwardPass.predict(model, weights, new float[] {1, 2, 3, 4}, 1),
                EXACT);
    }

    @Test
    void dropoutIsTheIdentityAtInference() {
        Sequential model = Sequential.of(Shape.of(3), Dropout.of(0.5));
        assertArrayEquals(new float[] {1, -2, 3},
                ReferenceForwardPass.predict(model, Weights.builder().build(), new float[] {1, -2, 3}, 1), EXACT);
    }

    @Test
    void examplesAreIndependentRows() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(1));
        Weights weights = Weights.builder().put("dense/kernel", tensor(new int[] {2, 1}, 1, 1))
                .put("dense/bias", tensor(new int[] {1}, 1)).build();
        assertArrayEquals(new float[] {4, 12, 1},
                ReferenceForwardPass.predict(model, weights, new float[] {1, 2, 5, 6, 0, 0}, 3), EXACT);
    }

    @Test
    void referenceModelGivesProbabilities() {
        Sequential model = ReferenceModels.cifar10Cnn();
        Weights weights = model.initialWeights(21);
        int count = 2;
        float[] images = new float[count * 32 * 32 * 3];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextInt(256) / 255f;
        }
        float[] out = ReferenceForwardPass.predict(model, weights, images, count);
        assertEquals(count * 10, out.length);
        for (int n = 0; n < count; n++) {
            double sum = 0;
            for (int c = 0; c < 10; c++) {
                float p = out[n * 10 + c];
                assertTrue(p > 0 && p < 1, "probability " + p);
                sum += p;
            }
            assertEquals(1.0, sum, 1e-6);
        }
        assertArrayEquals(out, ReferenceForwardPass.predict(model, weights, images, count), EXACT);
    }

    @Test
    void wrongInputLengthIsRejected() {
        Sequential model = Sequential.of(Shape.of(2), Dropout.of(0.1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceForwardPass.predict(model, Weights.builder().build(), new float[5], 2));
        assertTrue(e.getMessage().contains("need 4 values, got 5"), e.getMessage());
    }

    @Test
    void weightsOfAnotherModelAreRejected() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(1));
        Weights wrong = Weights.builder().put("dense/kernel", tensor(new int[] {3, 1}, 1, 1, 1))
                .put("dense/bias", tensor(new int[] {1}, 0)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceForwardPass.predict(model, wrong, new float[2], 1));
        assertTrue(e.getMessage().contains("dense/kernel has shape [3, 1], expected [2, 1]"), e.getMessage());
    }
}
