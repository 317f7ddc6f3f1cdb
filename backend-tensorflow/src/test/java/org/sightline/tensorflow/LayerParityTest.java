package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sightline.tensorflow.HandComputations.random;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/** The inference path of each layer kind against a hand computation on tiny inputs. */
class LayerParityTest {
    private static final float TOLERANCE = 1e-4f;
    private static final int N = 2;

    @ParameterizedTest
    @EnumSource(Padding.class)
    void conv2dMatchesHandComputationWithStridesAndPadding(Padding padding) {
        Sequential model = Sequential.of(Shape.image(5, 6, 2),
                Conv2D.of(3, 3).withPadding(padding).withStrides(2, 1), Flatten.of());
        Weights w = randomWeights(model, 1);
        float[] x = random(new SplittableRandom(2), N * 5 * 6 * 2);
        float[] expected = HandComputations.conv2d(x, N, 5, 6, 2, w.get("conv2d/kernel").toArray(), 3, 3, 3,
                w.get("conv2d/bias").toArray(), 2, 1, padding);
        assertArrayEquals(expected, predict(model, w, x), TOLERANCE);
    }

    @Test
    void conv2dWithEvenKernelPadsLikeTensorFlow() {
        // 'same' with an even window pads more after than before: the case where frameworks differ.
        Sequential model = Sequential.of(Shape.image(4, 4, 1),
                Conv2D.of(2, 2).withPadding(Padding.SAME).withUseBias(false)
                        .withActivation(ActivationFunction.RELU), Flatten.of());
        Weights w = randomWeights(model, 3);
        float[] x = random(new SplittableRandom(4), N * 16);
        float[] expected = HandComputations.map(HandComputations.conv2d(x, N, 4, 4, 1,
                w.get("conv2d/kernel").toArray(), 2, 2, 2, null, 1, 1, Padding.SAME), v -> Math.max(v, 0));
        assertArrayEquals(expected, predict(model, w, x), TOLERANCE);
    }

    @ParameterizedTest
    @EnumSource(value = ActivationFunction.class)
    void denseWithEachActivation(ActivationFunction activation) {
        Sequential model = Sequential.of(Shape.of(5), Dense.of(4).withActivation(activation));
        Weights w = randomWeights(model, 5);
        float[] x = random(new SplittableRandom(6), N * 5);
        float[] z = HandComputations.dense(x, N, 5, w.get("dense/kernel").toArray(), 4,
                w.get("dense/bias").toArray());
        float[] expected = switch (activation) {
            case LINEAR -> z;
            case RELU -> HandComputations.map(z, v -> Math.max(v, 0));
            case SIGMOID -> HandComputations.map(z, v -> 1 / (1 + Math.exp(-v)));
            case TANH -> HandComputations.map(z, Math::tanh);
            case SOFTMAX -> HandComputations.softmax(z, N, 4);
        };
        assertArrayEquals(expected, predict(model, w, x), TOLERANCE);
    }

    @Test
    void activationLayerAppliesSoftmaxPerExample() {
        Sequential model = Sequential.of(Shape.of(3), Dense.of(6).withUseBias(false),
                Activation.of(ActivationFunction.SOFTMAX));
        Weights w = randomWeights(model, 7);
        float[] x = random(new SplittableRandom(8), N * 3);
        float[] expected = HandComputations.softmax(
                HandComputations.dense(x, N, 3, w.get("dense/kernel").toArray(), 6, null), N, 6);
        assertArrayEquals(expected, predict(model, w, x), TOLERANCE);
    }

    @ParameterizedTest
    @EnumSource(Padding.class)
    void poolingMatchesHandComputation(Padding padding) {
        PoolingWindow window = new PoolingWindow(2, 3, 2, 2, padding);
        float[] x = random(new SplittableRandom(9), N * 5 * 5 * 2);
        Sequential max = Sequential.of(Shape.image(5, 5, 2), new MaxPooling2D(null, window), Flatten.of());
        assertArrayEquals(HandComputations.pool(x, N, 5, 5, 2, 2, 3, 2, 2, padding, true),
                predict(max, randomWeights(max, 0), x), TOLERANCE);
        Sequential avg = Sequential.of(Shape.image(5, 5, 2), new AveragePooling2D(null, window), Flatten.of());
        assertArrayEquals(HandComputations.pool(x, N, 5, 5, 2, 2, 3, 2, 2, padding, false),
                predict(avg, randomWeights(avg, 0), x), TOLERANCE);
    }

    @Test
    void batchNormalizationUsesMovingStatisticsOnImages() {
        Sequential model = Sequential.of(Shape.image(3, 2, 4), new BatchNormalization(null, 0.9, 0.01),
                Flatten.of());
        Weights w = randomWeights(model, 10);
        float[] x = random(new SplittableRandom(11), N * 3 * 2 * 4);
        float[] expected = HandComputations.batchNorm(x, 4, w.get("batch_normalization/gamma").toArray(),
                w.get("batch_normalization/beta").toArray(), w.get("batch_normalization/moving_mean").toArray(),
                w.get("batch_normalization/moving_variance").toArray(), 0.01);
        assertArrayEquals(expected, predict(model, w, x), TOLERANCE);
    }

    @Test
    void batchNormalizationUsesMovingStatisticsOnFlatInput() {
        Sequential model = Sequential.of(Shape.of(5), BatchNormalization.of());
        Weights w = randomWeights(model, 12);
        float[] x = random(new SplittableRandom(13), N * 5);
        float[] expected = HandComputations.batchNorm(x, 5, w.get("batch_normalization/gamma").toArray(),
                w.get("batch_normalization/beta").toArray(), w.get("batch_normalization/moving_mean").toArray(),
                w.get("batch_normalization/moving_variance").toArray(), BatchNormalization.DEFAULT_EPSILON);
        assertArrayEquals(expected, predict(model, w, x), TOLERANCE);
    }

    @Test
    void flattenKeepsNhwcOrderAndDropoutPassesThroughAtInference() {
        Sequential model = Sequential.of(Shape.image(2, 3, 2), Dropout.of(0.5), Flatten.of(), Dropout.of(0.3));
        float[] x = random(new SplittableRandom(14), N * 12);
        assertArrayEquals(x, predict(model, randomWeights(model, 0), x), 0f);
    }

    @Test
    void referenceCnnRunsEndToEnd() {
        Sequential model = org.sightline.model.ReferenceModels.cnn(Shape.image(8, 8, 3), 4);
        float[] p = predict(model, model.initialWeights(21), random(new SplittableRandom(15), N * 8 * 8 * 3));
        assertEquals(N * 4, p.length);
        for (int b = 0; b < N; b++) {
            double sum = 0;
            for (int k = 0; k < 4; k++) {
                sum += p[b * 4 + k];
            }
            assertEquals(1.0, sum, 1e-5, "probabilities of example " + b);
        }
    }

    /** Random values for every weight, variances kept positive, so that no term hides another. */
    static Weights randomWeights(Sequential model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            int[] shape = weight.spec().shape();
            float[] values = random(random, (int) weight.spec().size());
            if (weight.spec().name().equals("moving_variance")) {
                values = HandComputations.map(values, v -> 1 + 0.5 * v);
            }
            builder.put(weight.key(), FloatTensor.of(shape, values));
        }
        return builder.build();
    }

    static float[] predict(Sequential model, Weights weights, float[] images) {
        try (ModelEngine engine = new TensorFlowBackend()
                .createEngine(EngineRequest.inference(model, weights, Device.cpu()))) {
            return engine.predict(images, images.length / model.inputShape().size());
        }
    }
}
