package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sightline.conformance.ReferenceForwardPass;
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
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/**
 * The inference path of each layer kind, one small model at a time, against the api's pure-Java
 * {@link ReferenceForwardPass} on tiny random inputs.
 */
class LayerParityTest {
    private static final float TOLERANCE = 1e-4f;
    private static final int N = 3;

    @ParameterizedTest
    @EnumSource(Padding.class)
    void conv2dWithStrides(Padding padding) {
        assertMatchesReference(Sequential.of(Shape.image(5, 6, 2),
                Conv2D.of(3, 3).withPadding(padding).withStrides(2, 1), Flatten.of()));
    }

    @Test
    void conv2dWithAnEvenKernelPadsMoreAfterThanBefore() {
        assertMatchesReference(Sequential.of(Shape.image(4, 5, 1), Conv2D.of(2, 2).withPadding(Padding.SAME)
                .withStrides(1, 2).withUseBias(false).withActivation(ActivationFunction.RELU), Flatten.of()));
    }

    @ParameterizedTest
    @EnumSource(ActivationFunction.class)
    void denseWithEachActivation(ActivationFunction activation) {
        assertMatchesReference(Sequential.of(Shape.of(5), Dense.of(4).withActivation(activation)));
    }

    @ParameterizedTest
    @EnumSource(ActivationFunction.class)
    void activationLayerOnImages(ActivationFunction activation) {
        // Softmax on an image runs over the channels of each pixel, as Keras's axis -1.
        assertMatchesReference(Sequential.of(Shape.image(2, 3, 4), Activation.of(activation), Flatten.of()));
    }

    @ParameterizedTest
    @EnumSource(Padding.class)
    void maxAndAveragePooling(Padding padding) {
        PoolingWindow window = new PoolingWindow(2, 3, 2, 2, padding);
        assertMatchesReference(Sequential.of(Shape.image(5, 5, 2), new MaxPooling2D(null, window), Flatten.of()));
        assertMatchesReference(Sequential.of(Shape.image(5, 5, 2), new AveragePooling2D(null, window), Flatten.of()));
    }

    @Test
    void batchNormalizationOnImagesUsesMovingStatistics() {
        assertMatchesReference(Sequential.of(Shape.image(3, 2, 4), new BatchNormalization(null, 0.9, 0.01),
                Flatten.of()));
    }

    @Test
    void batchNormalizationOnFlatInputsUsesMovingStatistics() {
        assertMatchesReference(Sequential.of(Shape.of(5), BatchNormalization.of()));
    }

    @Test
    void flattenKeepsNhwcOrderAndDropoutPassesThrough() {
        Sequential model = Sequential.of(Shape.image(2, 3, 2), Dropout.of(0.5), Flatten.of(), Dropout.of(0.3));
        float[] x = HandComputations.random(new SplittableRandom(14), N * 12);
        assertArrayEquals(x, predict(model, randomWeights(model, 0), x), 0f);
    }

    @Test
    void referenceCnn() {
        assertMatchesReference(ReferenceModels.cnn(Shape.image(8, 8, 3), 4));
    }

    private static void assertMatchesReference(Sequential model) {
        Weights weights = randomWeights(model, model.hashCode());
        float[] images = HandComputations.random(new SplittableRandom(model.layers().size()),
                N * model.inputShape().size());
        assertArrayEquals(ReferenceForwardPass.predict(model, weights, images, N), predict(model, weights, images),
                TOLERANCE, model.layers().toString());
    }

    /** Random values for every weight, variances kept positive, so that no term hides another. */
    static Weights randomWeights(Sequential model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            float[] values = HandComputations.random(random, (int) weight.spec().size());
            if (weight.spec().name().equals("moving_variance")) {
                values = HandComputations.map(values, v -> 1 + 0.5 * v);
            }
            builder.put(weight.key(), FloatTensor.of(weight.spec().shape(), values));
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
