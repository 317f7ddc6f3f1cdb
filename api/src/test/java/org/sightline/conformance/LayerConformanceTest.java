package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Optimizer;
import org.sightline.compile.OptimizerState;
import org.sightline.compile.Sgd;
import org.sightline.data.Batch;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.Add;
import org.sightline.model.Average;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Concatenate;
import org.sightline.model.Constraint;
import org.sightline.model.Conv2D;
import org.sightline.model.Cropping2D;
import org.sightline.model.DepthwiseConv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.ELU;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.Functional;
import org.sightline.model.GlobalAveragePooling2D;
import org.sightline.model.GlobalMaxPooling2D;
import org.sightline.model.Layer;
import org.sightline.model.LayerNormalization;
import org.sightline.model.LeakyReLU;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Maximum;
import org.sightline.model.MergeLayer;
import org.sightline.model.Minimum;
import org.sightline.model.ModelWeight;
import org.sightline.model.Multiply;
import org.sightline.model.Network;
import org.sightline.model.Normalization;
import org.sightline.model.Padding;
import org.sightline.model.PReLU;
import org.sightline.model.PoolingWindow;
import org.sightline.model.RandomCrop;
import org.sightline.model.RandomFlip;
import org.sightline.model.RandomTranslation;
import org.sightline.model.ReLU;
import org.sightline.model.Regularizer;
import org.sightline.model.Rescaling;
import org.sightline.model.Reshape;
import org.sightline.model.SeparableConv2D;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Softmax;
import org.sightline.model.SpatialDropout2D;
import org.sightline.model.Subtract;
import org.sightline.model.SymbolicTensor;
import org.sightline.model.UnaryLayer;
import org.sightline.model.Weights;
import org.sightline.model.ZeroPadding2D;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.LossGradients;
import org.sightline.spi.ModelEngine;

/**
 * Every layer the api declares, one at a time, against the reference ({@link ReferenceOps}), as Keras's
 * {@code run_layer_test}: each configuration below is a one-layer model with seeded random weights and
 * inputs; the backend's {@code predict} must equal the reference's forward pass, and on a backend that
 * trains, {@code lossGradients} must equal the reference's output and gradients (input and every trainable
 * weight) in inference and in training mode. Two optimizer steps (Adam; SGD with momentum, with and
 * without Nesterov) on a small classifier must move weights, moving statistics and slots as
 * {@code TrainingStep} on the reference does. Everything within {@link #TOLERANCE}, relative.
 *
 * <p>A new layer class is picked up from {@code Layer}'s permitted subclasses; the kit fails until
 * {@link #configurations()} lists some for it. Layers a backend declares in
 * {@link Backend#unsupportedLayers()} are skipped once the backend is seen to refuse them by name.
 */
public abstract class LayerConformanceTest {
    /** {@code |actual - expected| <= TOLERANCE * max(1, |expected|)}. */
    protected static final double TOLERANCE = 1e-4;
    private static final int COUNT = 3;
    private static final long SEED = 7;

    /** The backend under test. */
    protected abstract Backend backend();

    /**
     * One configuration of a layer.
     *
     * @param description what it exercises, the test's display name
     * @param input       the shape of one example
     * @param layer       the layer, unnamed
     * @param arity       how many inputs a merge layer gets (1 for any other layer)
     */
    public record LayerCase(String description, Shape input, Layer layer, int arity) {
        /** A layer taking one input; a merge layer gets two. */
        public LayerCase(String description, Shape input, Layer layer) {
            this(description, input, layer, layer instanceof MergeLayer ? 2 : 1);
        }

        /**
         * The one-layer model; for a backend without {@link Capability#FLAT_INPUT} a flat input arrives as a
         * 1 x 1 image through a Flatten, which keeps the values in order. A merge layer reads the input
         * itself and differing functions of it (tanh, sigmoid, relu), so the gradient at the input sums
         * over every branch.
         */
        Network model(Backend backend) {
            boolean direct = input.isImage() || backend.can(Capability.FLAT_INPUT);
            if (!(layer instanceof MergeLayer)) {
                return direct ? Sequential.of(input, (UnaryLayer) layer)
                        : Sequential.of(Shape.image(1, 1, input.size()), Flatten.of(), (UnaryLayer) layer);
            }
            SymbolicTensor in = Functional.input(direct ? input : Shape.image(1, 1, input.size()));
            SymbolicTensor x = direct ? in : Flatten.of().apply(in);
            List<ActivationFunction> branches = List.of(ActivationFunction.TANH, ActivationFunction.SIGMOID,
                    ActivationFunction.RELU);
            SymbolicTensor[] inputs = new SymbolicTensor[arity];
            inputs[0] = x;
            for (int i = 1; i < arity; i++) {
                inputs[i] = Activation.of(branches.get(i - 1)).apply(x);
            }
            return Functional.of(in, layer.apply(inputs));
        }

        @Override
        public String toString() {
            return layer.kerasClass() + ": " + description;
        }
    }

    /** The configurations of each layer class; every class {@code Layer} permits must have some. */
    public static Map<Class<?>, List<LayerCase>> configurations() {
        Map<Class<?>, List<LayerCase>> cases = new LinkedHashMap<>();
        Shape image = Shape.image(7, 6, 3);
        cases.put(Conv2D.class, List.of(
                new LayerCase("3x3 valid, relu", image, Conv2D.of(4, 3).withActivation(ActivationFunction.RELU)),
                new LayerCase("3x3 same, stride 2, tanh", image, Conv2D.of(4, 3).withPadding(Padding.SAME)
                        .withStrides(2, 2).withActivation(ActivationFunction.TANH)),
                new LayerCase("2x2 same, strides (2, 1), sigmoid, no bias", image, Conv2D.of(5, 2)
                        .withPadding(Padding.SAME).withStrides(2, 1).withActivation(ActivationFunction.SIGMOID)
                        .withUseBias(false)),
                new LayerCase("4x3 kernel valid, strides (1, 2), linear", image,
                        new Conv2D(null, 2, 4, 3, 1, 2, Padding.VALID, ActivationFunction.LINEAR, true,
                                MaxNorm.of(2))),
                new LayerCase("1x1, softmax over channels", image, Conv2D.of(3, 1)
                        .withActivation(ActivationFunction.SOFTMAX)),
                new LayerCase("3x2 valid, dilation (2, 2), relu", image, new Conv2D(null, 4, 3, 2, 1, 1, 2, 2, 1,
                        Padding.VALID, ActivationFunction.RELU, true, Constraint.none())),
                new LayerCase("3x3 same, 3 groups of 1 to 2 channels, strides (2, 1)", image, Conv2D.of(6, 3)
                        .withPadding(Padding.SAME).withStrides(2, 1).withGroups(3)),
                new LayerCase("2x2 same, dilation (1, 3), 3 groups, no bias, max-norm", image, Conv2D.of(3, 2)
                        .withPadding(Padding.SAME).withDilation(1, 3).withGroups(3).withUseBias(false)
                        .withKernelConstraint(MaxNorm.of(1))),
                new LayerCase("one channel to one, 2x2 same, strides (2, 1)", Shape.image(7, 6, 1), Conv2D.of(1, 2)
                        .withPadding(Padding.SAME).withStrides(2, 1))));
        Shape flat = Shape.of(6);
        List<LayerCase> dense = new ArrayList<>();
        for (ActivationFunction f : ActivationFunction.values()) {
            dense.add(new LayerCase(f.kerasName(), flat, Dense.of(4).withActivation(f)));
        }
        dense.add(new LayerCase("no bias, max-norm", flat, Dense.of(3).withUseBias(false)
                .withKernelConstraint(MaxNorm.of(1))));
        cases.put(Dense.class, dense);
        List<LayerCase> activation = new ArrayList<>();
        for (ActivationFunction f : ActivationFunction.values()) {
            activation.add(new LayerCase(f.kerasName() + " on flat inputs", flat, Activation.of(f)));
            activation.add(new LayerCase(f.kerasName() + " on images", image, Activation.of(f)));
        }
        cases.put(Activation.class, activation);
        cases.put(Dropout.class, List.of(
                new LayerCase("rate 0.3 on flat inputs", Shape.of(200), Dropout.of(0.3)),
                new LayerCase("rate 0.5 on images", Shape.image(6, 6, 4), Dropout.of(0.5)),
                new LayerCase("rate 0", flat, Dropout.of(0))));
        cases.put(BatchNormalization.class, List.of(
                new LayerCase("on images", image, BatchNormalization.of()),
                new LayerCase("on flat inputs, momentum 0.8, epsilon 0.01", flat,
                        new BatchNormalization(null, 0.8, 1e-2)),
                new LayerCase("width of images (axis -2), no beta", image, BatchNormalization.of().withAxis(-2)
                        .withCenter(false)),
                new LayerCase("height of images (axis -3), no gamma, momentum 0.5", image,
                        new BatchNormalization(null, -3, 0.5, 1e-3, true, false)),
                new LayerCase("flat inputs, neither gamma nor beta", flat, BatchNormalization.of().withCenter(false)
                        .withScale(false))));
        cases.put(MaxPooling2D.class, pools(image, true));
        cases.put(AveragePooling2D.class, pools(image, false));
        cases.put(Flatten.class, List.of(
                new LayerCase("an image", image, Flatten.of()),
                new LayerCase("a 1x1 image", Shape.image(1, 1, 5), Flatten.of())));
        cases.put(GlobalAveragePooling2D.class, List.of(
                new LayerCase("to a vector", image, GlobalAveragePooling2D.of()),
                new LayerCase("keepdims", image, GlobalAveragePooling2D.of().withKeepDims(true))));
        cases.put(Add.class, List.of(new LayerCase("two images", image, new Add(null)),
                new LayerCase("three vectors", flat, new Add(null), 3)));
        cases.put(Subtract.class, List.of(new LayerCase("two images", image, new Subtract(null))));
        cases.put(Multiply.class, List.of(new LayerCase("two vectors", flat, new Multiply(null)),
                new LayerCase("three images", image, new Multiply(null), 3)));
        cases.put(Average.class, List.of(new LayerCase("three images", image, new Average(null), 3)));
        cases.put(Maximum.class, List.of(new LayerCase("two images", image, new Maximum(null)),
                new LayerCase("three vectors", flat, new Maximum(null), 3)));
        cases.put(Minimum.class, List.of(new LayerCase("two vectors", flat, new Minimum(null))));
        cases.put(Concatenate.class, List.of(new LayerCase("channels of two images", image, new Concatenate(null, -1)),
                new LayerCase("rows of three images", image, new Concatenate(null, 1), 3),
                new LayerCase("two vectors", flat, new Concatenate(null, -1))));
        // Inputs lie in [-1, 1): thresholds and maxima inside that range exercise every piece.
        cases.put(ReLU.class, List.of(
                new LayerCase("plain", image, ReLU.of()),
                new LayerCase("max 0.5", flat, ReLU.of().withMaxValue(0.5)),
                new LayerCase("slope 0.2, threshold 0.3, max 0.6", image, new ReLU(null, 0.6, 0.2, 0.3)),
                new LayerCase("slope 0.5 below 0", flat, new ReLU(null, null, 0.5, 0))));
        cases.put(LeakyReLU.class, List.of(
                new LayerCase("slope 0.3 on images", image, LeakyReLU.of(0.3)),
                new LayerCase("slope 1.5 on flat inputs", flat, LeakyReLU.of(1.5))));
        cases.put(PReLU.class, List.of(
                new LayerCase("alpha per value", image, PReLU.of()),
                new LayerCase("alpha per channel", image, PReLU.of().withSharedAxes(1, 2)),
                new LayerCase("alpha shared over channels", image, PReLU.of().withSharedAxes(3)),
                new LayerCase("flat inputs", flat, PReLU.of())));
        cases.put(ELU.class, List.of(
                new LayerCase("alpha 1 on images", image, ELU.of(1)),
                new LayerCase("alpha 0.4 on flat inputs", flat, ELU.of(0.4))));
        cases.put(Softmax.class, List.of(
                new LayerCase("on flat inputs", flat, Softmax.of()),
                new LayerCase("over channels", image, Softmax.of())));
        cases.put(ZeroPadding2D.class, List.of(
                new LayerCase("1 on every side", image, ZeroPadding2D.of(1)),
                new LayerCase("((2, 0), (1, 3))", image, new ZeroPadding2D(null, 2, 0, 1, 3))));
        cases.put(Cropping2D.class, List.of(
                new LayerCase("1 on every side", image, Cropping2D.of(1)),
                new LayerCase("((0, 2), (1, 0))", image, new Cropping2D(null, 0, 2, 1, 0))));
        cases.put(Reshape.class, List.of(
                new LayerCase("an image to (-1, 3)", image, Reshape.of(-1, 3)),
                new LayerCase("an image to (7, 18)", image, Reshape.of(7, 18)),
                new LayerCase("a vector to an image", flat, Reshape.of(1, 2, 3))));
        cases.put(Rescaling.class, List.of(
                new LayerCase("1/255, offset 0.5, on flat inputs", flat, Rescaling.of(1 / 255.0, 0.5)),
                new LayerCase("per channel", image, new Rescaling(null, List.of(0.5, 2.0, -1.0),
                        List.of(0.1, 0.2, 0.3)))));
        cases.put(Normalization.class, List.of(
                new LayerCase("weights, on images", image, Normalization.adapted()),
                new LayerCase("weights, on flat inputs", flat, Normalization.adapted()),
                new LayerCase("constants per channel", image, Normalization.of(List.of(0.1, -0.2, 0.3),
                        List.of(0.25, 4.0, 0.0))),
                new LayerCase("scalar constants", flat, Normalization.of(List.of(0.5), List.of(2.0)))));
        cases.put(SpatialDropout2D.class, List.of(
                new LayerCase("rate 0.3", Shape.image(3, 2, 64), SpatialDropout2D.of(0.3)),
                new LayerCase("rate 0", image, SpatialDropout2D.of(0))));
        List<LayerCase> flips = new ArrayList<>();
        for (RandomFlip.Mode mode : RandomFlip.Mode.values()) {
            flips.add(new LayerCase(mode.kerasName(), image, RandomFlip.of(mode)));
        }
        cases.put(RandomFlip.class, flips);
        cases.put(RandomTranslation.class, List.of(
                new LayerCase("0.2, 0.3", image, RandomTranslation.of(0.2, 0.3)),
                new LayerCase("(0, 0.5), (-0.4, 0), fill 1.5", image,
                        new RandomTranslation(null, 0, 0.5, -0.4, 0, 1.5))));
        cases.put(RandomCrop.class, List.of(
                new LayerCase("7x6 from 9x8, at random", Shape.image(9, 8, 3), RandomCrop.of(7, 6)),
                new LayerCase("5x6 from 7x6: the centred window", image, RandomCrop.of(5, 6)),
                new LayerCase("4x4 from 7x6: centred and resized down", image, RandomCrop.of(4, 4)),
                new LayerCase("8x8 from 7x6: centred and resized up", image, RandomCrop.of(8, 8))));
        cases.put(DepthwiseConv2D.class, List.of(
                new LayerCase("3x3 valid, multiplier 2, relu", image, DepthwiseConv2D.of(3).withDepthMultiplier(2)
                        .withActivation(ActivationFunction.RELU)),
                new LayerCase("2x3 same, strides (2, 2), no bias", image, new DepthwiseConv2D(null, 2, 3, 2, 2, 1, 1, 1,
                        Padding.SAME, ActivationFunction.LINEAR, false, Constraint.none())),
                new LayerCase("3x3 same, dilation (2, 1), multiplier 3, max-norm, tanh", image, DepthwiseConv2D.of(3)
                        .withPadding(Padding.SAME).withDilation(2, 1).withDepthMultiplier(3)
                        .withDepthwiseConstraint(MaxNorm.of(1)).withActivation(ActivationFunction.TANH))));
        cases.put(SeparableConv2D.class, List.of(
                new LayerCase("3x3 valid, 4 filters, multiplier 2, relu", image, SeparableConv2D.of(4, 3)
                        .withDepthMultiplier(2).withActivation(ActivationFunction.RELU)),
                new LayerCase("2x2 same, strides (2, 1), no bias, max-norm on both kernels", image,
                        SeparableConv2D.of(5, 2).withPadding(Padding.SAME).withStrides(2, 1).withUseBias(false)
                                .withConstraints(MaxNorm.of(1), MaxNorm.of(0.5))),
                new LayerCase("3x2 same, dilation (1, 2), sigmoid", image, SeparableConv2D.of(2, 3)
                        .withPadding(Padding.SAME).withDilation(1, 2).withActivation(ActivationFunction.SIGMOID))));
        cases.put(LayerNormalization.class, List.of(
                new LayerCase("last axis of flat inputs", flat, LayerNormalization.of()),
                new LayerCase("channels of images, epsilon 0.1, no beta", image, LayerNormalization.of()
                        .withEpsilon(0.1).withCenter(false)),
                new LayerCase("(width, channels) of images, no gamma", image, LayerNormalization.of()
                        .withTrailingAxes(2).withScale(false)),
                new LayerCase("whole images", image, LayerNormalization.of().withTrailingAxes(3))));
        cases.put(GlobalMaxPooling2D.class, List.of(
                new LayerCase("to a vector", image, GlobalMaxPooling2D.of()),
                new LayerCase("keepdims", image, GlobalMaxPooling2D.of().withKeepDims(true))));
        return cases;
    }

    private static List<LayerCase> pools(Shape image, boolean max) {
        List<LayerCase> cases = new ArrayList<>();
        for (PoolingWindow window : List.of(PoolingWindow.of(2), new PoolingWindow(2, 2, 2, 2, Padding.SAME),
                new PoolingWindow(3, 2, 1, 2, Padding.SAME), new PoolingWindow(3, 3, 1, 1, Padding.VALID))) {
            String description = window.poolHeight() + "x" + window.poolWidth() + " " + window.padding().kerasName()
                    + ", strides (" + window.strideHeight() + ", " + window.strideWidth() + ")";
            cases.add(new LayerCase(description, image, max ? new MaxPooling2D(null, window)
                    : new AveragePooling2D(null, window)));
        }
        return cases;
    }

    static Stream<LayerCase> cases() {
        Map<Class<?>, List<LayerCase>> configurations = configurations();
        return layerClasses().stream().flatMap(c -> configurations.getOrDefault(c, List.of()).stream());
    }

    /** Every concrete layer class the api declares, through {@code Layer}'s nested sealed interfaces. */
    static List<Class<?>> layerClasses() {
        return Arrays.stream(Layer.class.getPermittedSubclasses())
                .flatMap(kind -> Arrays.stream(kind.getPermittedSubclasses())).toList();
    }

    @Test
    void everyLayerClassHasConfigurations() {
        Map<Class<?>, List<LayerCase>> configurations = configurations();
        List<String> missing = layerClasses().stream()
                .filter(c -> configurations.getOrDefault(c, List.of()).isEmpty()).map(Class::getSimpleName).toList();
        assertTrue(missing.isEmpty(), "LayerConformanceTest.configurations() lists no configuration for " + missing);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void predictMatchesTheReference(LayerCase layerCase) {
        Network model = layerCase.model(backend());
        Weights weights = randomWeights(model, SEED);
        float[] images = randomInputs(model.inputShape(), COUNT, SEED);
        float[] expected = ReferenceForwardPass.predict(model, weights, images, COUNT);
        try (ModelEngine engine = engine(layerCase, EngineRequest.inference(model, weights, Device.cpu()))) {
            assertClose(layerCase + ", output", expected, engine.predict(images, COUNT));
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lossGradientsMatchTheReferenceInInference(LayerCase layerCase) {
        checkLossGradients(layerCase, false);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lossGradientsMatchTheReferenceInTraining(LayerCase layerCase) {
        checkLossGradients(layerCase, true);
    }

    private void checkLossGradients(LayerCase layerCase, boolean training) {
        assumeTrue(backend().can(Capability.TRAIN), backend().name() + " cannot train");
        Network model = layerCase.model(backend());
        Weights weights = randomWeights(model, SEED);
        float[] images = randomInputs(model.inputShape(), COUNT, SEED);
        float[] outputWeights = randomInputs(model.outputShape(), COUNT, SEED + 1);
        String what = layerCase + (training ? ", training" : ", inference");
        try (ModelEngine engine = engine(layerCase,
                EngineRequest.training(model, weights, CompileOptions.reference(), Device.cpu(), SEED))) {
            LossGradients actual = engine.lossGradients(images, COUNT, outputWeights, training);
            if (training && layerCase.layer() instanceof Dropout dropout && dropout.rate() > 0) {
                checkDropout(what, dropout.rate(), images, outputWeights, actual);
            } else if (training && layerCase.layer() instanceof SpatialDropout2D dropout && dropout.rate() > 0) {
                checkSpatialDropout(what, dropout.rate(), layerCase.input(), images, outputWeights, actual);
            } else if (training && Augmentations.isRandom(layerCase.layer(), layerCase.input())) {
                checkAugmentation(what, layerCase, images, outputWeights, actual);
            } else {
                LossGradients expected = ReferenceTraining.lossGradients(model, weights, images, COUNT, outputWeights,
                        training, SEED);
                assertClose(what + ", output", expected.output(), actual.output());
                assertClose(what + ", gradient at the input", expected.input(), actual.input());
                assertEquals(expected.weights().names(), actual.weights().names(), what + ", weight gradients");
                for (String name : expected.weights().names()) {
                    assertClose(what + ", gradient at " + name, expected.weights().get(name).toArray(),
                            actual.weights().get(name).toArray());
                }
            }
            assertEquals(weights, engine.weights(), what + ": lossGradients changed the weights");
            assertEquals(0, engine.optimizerState().iterations(), what + ": lossGradients took a step");
        }
    }

    /**
     * Dropout's mask comes from the backend's own random stream, so it is checked by its properties:
     * each output is 0 or {@code x / (1 - rate)}, about {@code rate} of them are 0, and the input's
     * gradient is {@code outputWeights * mask / (1 - rate)}.
     */
    private static void checkDropout(String what, double rate, float[] images, float[] outputWeights,
            LossGradients actual) {
        float[] output = actual.output();
        assertEquals(images.length, output.length, what + ", output size");
        double scale = 1 / (1 - rate);
        int dropped = 0;
        float[] expectedGradient = new float[images.length];
        for (int i = 0; i < images.length; i++) {
            boolean kept = output[i] != 0;
            dropped += kept ? 0 : 1;
            float expected = kept ? (float) (images[i] * scale) : 0;
            assertTrue(Math.abs(output[i] - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)),
                    what + ": output " + i + " is " + output[i] + ", neither 0 nor " + expected);
            expectedGradient[i] = kept ? (float) (outputWeights[i] * scale) : 0;
        }
        double fraction = dropped / (double) images.length;
        // Four standard deviations of the binomial fraction.
        double bound = 4 * Math.sqrt(rate * (1 - rate) / images.length);
        assertTrue(Math.abs(fraction - rate) <= bound, what + ": dropped " + fraction + " of the values, rate " + rate);
        assertClose(what + ", gradient at the input", expectedGradient, actual.input());
        assertTrue(actual.weights().names().isEmpty(), what + ": Dropout has no weights");
    }

    /**
     * SpatialDropout2D drops whole channels: in each example each channel is all 0 or all
     * {@code x / (1 - rate)}, about {@code rate} of the channels are dropped, and the input's gradient is
     * {@code outputWeights * mask / (1 - rate)}.
     */
    private static void checkSpatialDropout(String what, double rate, Shape input, float[] images,
            float[] outputWeights, LossGradients actual) {
        float[] output = actual.output();
        assertEquals(images.length, output.length, what + ", output size");
        int channels = input.channels();
        int pixels = input.height() * input.width();
        double scale = 1 / (1 - rate);
        int dropped = 0;
        float[] expectedGradient = new float[images.length];
        for (int example = 0; example < COUNT; example++) {
            for (int channel = 0; channel < channels; channel++) {
                int first = example * input.size() + channel;
                // Inputs are never exactly 0, so a 0 output means the channel was dropped.
                boolean kept = output[first] != 0;
                dropped += kept ? 0 : 1;
                for (int p = 0; p < pixels; p++) {
                    int i = first + p * channels;
                    float expected = kept ? (float) (images[i] * scale) : 0;
                    assertTrue(Math.abs(output[i] - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)),
                            what + ": output " + i + " is " + output[i] + ", expected " + expected
                                    + " as the rest of its channel");
                    expectedGradient[i] = kept ? (float) (outputWeights[i] * scale) : 0;
                }
            }
        }
        double fraction = dropped / (double) (COUNT * channels);
        double bound = 4 * Math.sqrt(rate * (1 - rate) / (COUNT * channels));
        assertTrue(Math.abs(fraction - rate) <= bound, what + ": dropped " + fraction + " of the channels, rate "
                + rate);
        assertClose(what + ", gradient at the input", expectedGradient, actual.input());
    }

    /**
     * A random image layer's choices come from the backend's own stream, so each example's output must be
     * one of the layer's transforms of that example ({@link Augmentations}), and the gradient at the input
     * that transform's adjoint of the output's weights. RandomCrop picks one window for the whole batch.
     */
    private static void checkAugmentation(String what, LayerCase layerCase, float[] images, float[] outputWeights,
            LossGradients actual) {
        List<UnaryOperator<float[]>> transforms = Augmentations.transforms(layerCase.layer(), layerCase.input());
        int inSize = layerCase.input().size();
        int outSize = layerCase.layer().outputShape(List.of(layerCase.input())).size();
        assertEquals(COUNT * outSize, actual.output().length, what + ", output size");
        List<Integer> chosen = new ArrayList<>();
        for (int example = 0; example < COUNT; example++) {
            float[] x = Arrays.copyOfRange(images, example * inSize, (example + 1) * inSize);
            float[] y = Arrays.copyOfRange(actual.output(), example * outSize, (example + 1) * outSize);
            int match = Augmentations.match(transforms, x, y, TOLERANCE);
            assertTrue(match >= 0, what + ": example " + example + " is none of the layer's " + transforms.size()
                    + " transforms of its input");
            chosen.add(match);
            float[] w = Arrays.copyOfRange(outputWeights, example * outSize, (example + 1) * outSize);
            assertClose(what + ", gradient at the input of example " + example,
                    Augmentations.adjoint(transforms.get(match), inSize, w),
                    Arrays.copyOfRange(actual.input(), example * inSize, (example + 1) * inSize));
        }
        if (layerCase.layer() instanceof RandomCrop) {
            assertEquals(1, chosen.stream().distinct().count(), what + ": one window for the batch, got " + chosen);
        }
        assertTrue(actual.weights().names().isEmpty(), what + ": the layer has no trainable weights");
    }

    @Test
    void adamStepsMatchTheReference() {
        checkSteps(Adam.withLearningRate(0.01));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void sgdWithMomentumStepsMatchTheReference(boolean nesterov) {
        checkSteps(new Sgd(0.1, 0.9, nesterov));
    }

    /** Two steps through {@code trainOnBatch}, each compared with {@code TrainingStep} on the reference. */
    private void checkSteps(Optimizer optimizer) {
        assumeTrue(backend().can(Capability.TRAIN), backend().name() + " cannot train");
        Sequential model = smallClassifier();
        Weights weights = randomWeights(model, SEED);
        CompileOptions options = CompileOptions.of(optimizer);
        OptimizerState state = new OptimizerState(0, Weights.builder().build());
        try (ModelEngine engine = backend().createEngine(EngineRequest.training(model, weights, options, Device.cpu(),
                SEED))) {
            for (int step = 1; step <= 2; step++) {
                String what = optimizer.kerasName() + " step " + step;
                Batch batch = Batch.random(model.inputShape(), model.numClasses(), 8, new SplittableRandom(step));
                ReferenceTraining.Step expected = ReferenceTraining.step(model, weights, state, options, batch, SEED);
                double loss = engine.trainOnBatch(batch).meanLoss();
                assertTrue(Math.abs(loss - expected.loss()) <= TOLERANCE * Math.max(1, expected.loss()),
                        what + ": loss " + loss + ", reference " + expected.loss());
                Weights actualWeights = engine.weights();
                for (String name : expected.weights().names()) {
                    assertClose(what + ", " + name, expected.weights().get(name).toArray(),
                            actualWeights.get(name).toArray());
                }
                OptimizerState actualState = engine.optimizerState();
                assertEquals(step, actualState.iterations(), what + ": iterations");
                assertEquals(expected.state().slots().names(), actualState.slots().names(), what + ": slots");
                for (String name : expected.state().slots().names()) {
                    assertClose(what + ", slot " + name, expected.state().slots().get(name).toArray(),
                            actualState.slots().get(name).toArray());
                }
                weights = expected.weights();
                state = expected.state();
            }
        }
    }

    /**
     * Conv with an L2 regularizer, batch-norm, pooling, flatten, dense with max-norm and L1L2 and L1
     * regularizers, softmax: the step's loss holds every kind of penalty. The convolution has no bias:
     * before batch-norm its gradient is zero, and an optimizer would amplify the rounding noise of that zero.
     */
    static Sequential smallClassifier() {
        return Sequential.builder(Shape.image(6, 6, 2))
                .add(Conv2D.of(3, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU)
                        .withUseBias(false).withKernelRegularizer(Regularizer.l2(0.05)))
                .add(new BatchNormalization(null, 0.9, 1e-3))
                .add(MaxPooling2D.of(2))
                .add(Flatten.of())
                .add(Dense.of(3).withKernelConstraint(MaxNorm.of(0.5)).withActivation(ActivationFunction.SOFTMAX)
                        .withKernelRegularizer(new Regularizer(0.01, 0.02)).withBiasRegularizer(Regularizer.l1(0.02)))
                .build();
    }

    /** An engine for {@code request}; for a layer the backend declares unsupported, checks the refusal and skips. */
    private ModelEngine engine(LayerCase layerCase, EngineRequest request) {
        String kerasClass = layerCase.layer().kerasClass();
        if (backend().unsupportedLayers().contains(kerasClass)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> backend().createEngine(request).close(),
                    backend().name() + " declares " + kerasClass + " unsupported but built an engine for it");
            assertTrue(String.valueOf(e.getMessage()).contains(kerasClass), "the refusal should name " + kerasClass
                    + ": " + e.getMessage());
            assumeTrue(false, backend().name() + " declares " + kerasClass + " unsupported");
        }
        return backend().createEngine(request);
    }

    /**
     * Glorot kernels and, moved off their defaults so that a backend ignoring one fails: biases, betas and
     * moving means in [-0.5, 0.5), gammas and (moving) variances in [0.5, 1.5).
     */
    public static Weights randomWeights(Network model, long seed) {
        Weights initial = model.initialWeights(seed);
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            FloatTensor tensor = initial.get(weight.key());
            float[] values = tensor.toArray();
            String name = weight.spec().name();
            if (!name.equals("kernel")) {
                for (int i = 0; i < values.length; i++) {
                    boolean scale = name.equals("gamma") || name.endsWith("variance");
                    values[i] = (float) (scale ? 0.5 + random.nextDouble() : random.nextDouble() - 0.5);
                }
            }
            builder.put(weight.key(), FloatTensor.wrap(tensor.shape(), values));
        }
        return builder.build();
    }

    /** Values in [-1, 1), so that activations see both signs. */
    public static float[] randomInputs(Shape shape, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count * shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }

    /** Each value within {@link #TOLERANCE} of the expected one, relative to {@code max(1, |expected|)}. */
    protected static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": number of values");
        int worst = 0;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double excess = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
            if (!(excess <= worstExcess)) {
                worst = i;
                worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
            }
        }
        if (worstExcess > TOLERANCE) {
            fail(what + ": value " + worst + " is " + actual[worst] + ", reference " + expected[worst]
                    + " (relative difference " + worstExcess + ")");
        }
    }
}
