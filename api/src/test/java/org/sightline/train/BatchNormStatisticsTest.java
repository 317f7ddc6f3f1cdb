package org.sightline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.Batches;
import org.sightline.data.ImageDataset;
import org.sightline.io.SavedModel;
import org.sightline.model.ActivationFunction;
import org.sightline.model.Add;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.Functional;
import org.sightline.model.Padding;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.SymbolicTensor;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

class BatchNormStatisticsTest {
    private static final Shape IMAGE = Shape.image(5, 5, 2);
    private static final Sequential MODEL = Sequential.builder(IMAGE)
            .add(Conv2D.of(3, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU))
            .add(BatchNormalization.of())
            .add(Flatten.of())
            .add(Dense.of(4).withActivation(ActivationFunction.RELU))
            .add(BatchNormalization.of())
            .add(Dense.of(2).withActivation(ActivationFunction.SOFTMAX))
            .build();

    @Test
    void afterReestimationEachBatchNormOutputHasItsBetaAsMeanAndGammaAsScale() {
        Weights weights = withGammaAndBeta(MODEL.initialWeights(4),
                Map.of("batch_normalization", new float[][] {{0.5f, 2f, 1f}, {1f, -1f, 0.25f}},
                        "batch_normalization_1", new float[][] {{3f, 1f, 0.5f, 1.5f}, {-2f, 0f, 1f, 4f}}));
        ImageDataset images = SyntheticImages.bands(40, IMAGE, 5, 8);
        SavedModel saved = SavedModel.of(MODEL, weights, List.of("a", "b"));

        SavedModel result = BatchNormStatistics.reestimate(referenceBackend(), saved, images);

        float[] input = Batches.inOrder(images, images.size()).iterator().next().images();
        assertNormalized(result, 1, "batch_normalization", input, images.size(), 3);
        assertNormalized(result, 4, "batch_normalization_1", input, images.size(), 4);
        for (String name : weights.names()) {
            if (!name.contains("/moving_")) {
                assertEquals(weights.get(name), result.weights().get(name), name + " must not change");
            }
        }
        assertEquals(saved.classNames(), result.classNames());
    }

    @Test
    void inAFunctionalModelTheStatisticsAreThoseOfTheBatchNormsInput() {
        SymbolicTensor in = Functional.input("in", IMAGE);
        SymbolicTensor sum = Add.of(Conv2D.of(2, 3).withPadding(Padding.SAME).withName("conv").apply(in), in);
        SymbolicTensor normalized = BatchNormalization.of().withName("bn").apply(sum);
        Functional model = Functional.of("residual", in, Dense.of(2).withActivation(ActivationFunction.SOFTMAX)
                .apply(Flatten.of().apply(normalized)));
        Functional upToSum = Functional.of("residual", in, sum);
        Weights weights = model.initialWeights(6);
        ImageDataset images = SyntheticImages.bands(30, IMAGE, 5, 9);
        float[] input = Batches.inOrder(images, images.size()).iterator().next().images();
        Weights convWeights = Weights.of(Map.of("conv/kernel", weights.get("conv/kernel"),
                "conv/bias", weights.get("conv/bias")));
        float[] sums = ReferenceForwardPass.predict(upToSum, convWeights, input, images.size());

        SavedModel result = BatchNormStatistics.reestimate(referenceBackend(), SavedModel.of(model, weights,
                List.of("a", "b")), images);

        float[] mean = result.weights().get("bn/moving_mean").toArray();
        for (int c = 0; c < 2; c++) {
            double total = 0;
            for (int i = c; i < sums.length; i += 2) {
                total += sums[i];
            }
            assertEquals(total / (sums.length / 2), mean[c], 1e-4, "channel " + c);
        }
    }

    @Test
    void momentsAreTakenPerChannelOfAChannelsLastArray() {
        float[][] moments = BatchNormStatistics.momentsPerChannel(new float[] {1, 10, 3, 20, 5, 60}, 2, 1);
        assertEquals(3f, moments[0][0]);
        assertEquals(30f, moments[0][1]);
        assertEquals(8f / 3, moments[1][0], 1e-6);
        assertEquals(1400f / 3, moments[1][1], 1e-3);
    }

    @Test
    void momentsOfAnotherAxisSkipTheValuesAfterIt() {
        // Two examples of (channel, 2 values): channel 0 holds 1, 3, 5, 7 and channel 1 holds 10, 30, 50, 70.
        float[][] moments = BatchNormStatistics.momentsPerChannel(new float[] {1, 3, 10, 30, 5, 7, 50, 70}, 2, 2);
        assertEquals(4f, moments[0][0]);
        assertEquals(40f, moments[0][1]);
        assertEquals(5f, moments[1][0], 1e-6);
        assertEquals(500f, moments[1][1], 1e-4);
    }

    /** The layers up to and including batch norm {@code index}: its output over the images. */
    private static void assertNormalized(SavedModel result, int index, String name, float[] input, int count,
            int channels) {
        Sequential head = Sequential.of(MODEL.name(), IMAGE, MODEL.layers().subList(0, index + 1));
        Weights.Builder headWeights = Weights.builder();
        head.weights().forEach(w -> headWeights.put(w.key(), result.weights().get(w.key())));
        float[] output = ReferenceForwardPass.predict(head, headWeights.build(), input, count);
        float[] gamma = result.weights().get(name + "/gamma").toArray();
        float[] beta = result.weights().get(name + "/beta").toArray();
        float[] variance = result.weights().get(name + "/moving_variance").toArray();
        int perChannel = output.length / channels;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            double squares = 0;
            for (int i = c; i < output.length; i += channels) {
                sum += output[i];
                squares += (double) output[i] * output[i];
            }
            double mean = sum / perChannel;
            double outputVariance = squares / perChannel - mean * mean;
            // Keras normalises with variance + epsilon, so the scale falls a little short of gamma.
            double expectedVariance = gamma[c] * gamma[c] * variance[c] / (variance[c] + BatchNormalization.DEFAULT_EPSILON);
            assertEquals(beta[c], mean, 1e-4, name + " channel " + c + " mean");
            assertEquals(expectedVariance, outputVariance, 1e-3 * Math.max(1, expectedVariance),
                    name + " channel " + c + " variance");
        }
    }

    private static Weights withGammaAndBeta(Weights weights, Map<String, float[][]> gammaAndBeta) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>(weights.asMap());
        gammaAndBeta.forEach((layer, values) -> {
            tensors.put(layer + "/gamma", FloatTensor.of(new int[] {values[0].length}, values[0]));
            tensors.put(layer + "/beta", FloatTensor.of(new int[] {values[1].length}, values[1]));
        });
        return Weights.of(tensors);
    }

    /** A backend whose engines run the pure-Java reference forward pass. */
    private static Backend referenceBackend() {
        Backend backend = mock(Backend.class);
        when(backend.createEngine(any())).thenAnswer(call -> {
            EngineRequest request = call.getArgument(0);
            ModelEngine engine = mock(ModelEngine.class);
            when(engine.predict(any(), anyInt())).thenAnswer(
                    predict -> ReferenceForwardPass.predict(request.model(), request.weights(), predict.getArgument(0),
                            predict.getArgument(1)));
            return engine;
        });
        return backend;
    }
}
