package org.sightline.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.conformance.BackendConformanceTest.randomImages;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
import org.sightline.model.Layer;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;

/**
 * Every layer kind, in several configurations, exported through the layers' own {@code call} and run on
 * ONNX Runtime, against the pure-Java reference forward pass. Image outputs come back NHWC, so a single
 * convolution or pool is checked value for value, not only through a classifier head.
 */
class OnnxLayerExportTest {
    private static final double TOLERANCE = 1e-5;
    private static final Shape IMAGE = Shape.image(7, 6, 3);
    private static final OnnxClassifier.Options RAW = OnnxClassifier.Options.defaults()
            .withSoftmax(SoftmaxMode.NEVER).withLayout(InputLayout.NHWC);

    static Stream<Arguments> models() {
        List<Arguments> cases = new ArrayList<>();
        for (ActivationFunction activation : ActivationFunction.values()) {
            add(cases, "conv 3x3 same " + activation, IMAGE, Conv2D.of(4, 3).withPadding(Padding.SAME)
                    .withActivation(activation));
            add(cases, "dense " + activation, IMAGE, Flatten.of(), Dense.of(3).withActivation(activation));
            add(cases, "activation on an image " + activation, IMAGE, Activation.of(activation));
            add(cases, "activation on a vector " + activation, IMAGE, Flatten.of(), Activation.of(activation));
        }
        for (Padding padding : Padding.values()) {
            String p = padding.kerasName();
            add(cases, "conv 2x3 stride (2, 1) no bias " + p, IMAGE,
                    Conv2D.of(5, 2).withStrides(2, 1).withPadding(padding).withUseBias(false));
            add(cases, "conv 3x3 stride 2 " + p, IMAGE, Conv2D.of(2, 3).withStrides(2, 2).withPadding(padding));
            add(cases, "conv 1x1 " + p, IMAGE, Conv2D.of(3, 1).withPadding(padding));
            for (int[] w : new int[][] {{2, 2, 2, 2}, {3, 2, 2, 1}, {3, 3, 1, 1}, {2, 3, 3, 2}}) {
                PoolingWindow window = new PoolingWindow(w[0], w[1], w[2], w[3], padding);
                String name = Arrays.toString(w) + " " + p;
                add(cases, "max pool " + name, IMAGE, new MaxPooling2D(null, window));
                add(cases, "average pool " + name, IMAGE, new AveragePooling2D(null, window));
            }
        }
        add(cases, "batch norm on an image", IMAGE, BatchNormalization.of());
        add(cases, "batch norm on an image, epsilon 0.01", IMAGE, new BatchNormalization(null, 0.9, 0.01));
        add(cases, "batch norm on a flat input", IMAGE, Flatten.of(), BatchNormalization.of());
        add(cases, "batch norm after a dense layer", IMAGE, Flatten.of(), Dense.of(5), BatchNormalization.of());
        add(cases, "batch norm after a convolution", IMAGE, Conv2D.of(3, 2), BatchNormalization.of());
        add(cases, "dense no bias", IMAGE, Flatten.of(), Dense.of(4).withUseBias(false));
        add(cases, "two dense layers", IMAGE, Flatten.of(), Dense.of(4).withActivation(ActivationFunction.RELU),
                Dense.of(2));
        add(cases, "flatten", IMAGE, Flatten.of());
        add(cases, "flatten after a convolution", IMAGE, Conv2D.of(2, 3), Flatten.of());
        add(cases, "dropout on an image", IMAGE, Dropout.of(0.5));
        add(cases, "dropout on a vector", IMAGE, Flatten.of(), Dropout.of(0.25));
        add(cases, "dropout after a convolution", IMAGE, Conv2D.of(2, 3), Dropout.of(0.5));
        add(cases, "softmax over the channels of a convolution", IMAGE, Conv2D.of(4, 1),
                Activation.of(ActivationFunction.SOFTMAX));
        add(cases, "every layer", TestModels.everyLayer().inputShape(),
                TestModels.everyLayer().layers().toArray(Layer[]::new));
        return cases.stream();
    }

    private static void add(List<Arguments> cases, String name, Shape input, Layer... layers) {
        cases.add(Arguments.of(name, Sequential.of(input, layers)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void exportMatchesTheReferenceForwardPass(String name, Sequential model) {
        Weights weights = randomWeights(model, 13);
        int count = 3;
        float[] images = randomImages(model.inputShape(), count, 5);
        float[] expected = ReferenceForwardPass.predict(model, weights, images, count);
        float[] actual;
        try (OnnxClassifier onnx = OnnxClassifier.fromModel(OnnxExporter.export(model, weights, List.of()), name,
                RAW)) {
            actual = onnx.predict(images, count, model.inputShape());
        }
        double difference = TestModels.maxAbsDifference(expected, actual);
        assertTrue(difference <= TOLERANCE, name + ": max difference " + difference);
    }

    /**
     * The model's initial kernels, and biases, batch-norm scales and statistics drawn at random (their
     * initial zeros and ones would leave half of each layer untested).
     */
    private static Weights randomWeights(Sequential model, long seed) {
        Weights initial = model.initialWeights(seed);
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            FloatTensor tensor = initial.get(weight.key());
            String name = weight.spec().name();
            float[] values = tensor.toArray();
            if (!name.equals("kernel")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (name.equals("gamma") || name.equals("moving_variance")
                            ? 0.5 + random.nextDouble() : random.nextDouble() - 0.5);
                }
            }
            builder.put(weight.key(), FloatTensor.wrap(tensor.shape(), values));
        }
        return builder.build();
    }
}
