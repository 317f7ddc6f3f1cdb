package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.conformance.LayerConformanceTest;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.data.Batch;
import org.sightline.io.SavedModel;
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
import org.sightline.model.Dense;
import org.sightline.model.DepthwiseConv2D;
import org.sightline.model.ELU;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.Functional;
import org.sightline.model.GlobalAveragePooling2D;
import org.sightline.model.GlobalMaxPooling2D;
import org.sightline.model.LeakyReLU;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Maximum;
import org.sightline.model.Minimum;
import org.sightline.model.ModelWeight;
import org.sightline.model.Multiply;
import org.sightline.model.Network;
import org.sightline.model.PReLU;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.RandomFlip;
import org.sightline.model.ReLU;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Regularizer;
import org.sightline.model.Rescaling;
import org.sightline.model.SeparableConv2D;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Softmax;
import org.sightline.model.Subtract;
import org.sightline.model.SymbolicTensor;
import org.sightline.model.Weights;
import org.sightline.model.ZeroPadding2D;

/**
 * {@link Dl4jModels}: DL4J's own graph answers as Sightline's reference forward pass (the conformance
 * kit's oracle, in double) on the reference models and on models built to reach every mapped layer,
 * survives DL4J's model file, trains with DL4J's {@code fit} under the model's constraints, and refuses
 * what it cannot reproduce by name.
 */
class Dl4jModelsTest {
    private static final long SEED = 29;
    private static final int COUNT = 3;
    /** Output probabilities, float32 in DL4J against the double reference. */
    private static final double TOLERANCE = 1e-5;

    @BeforeAll
    static void startNd4j() {
        NativeRuntime.start();
    }

    static Stream<Arguments> referenceModels() {
        return Stream.of(
                Arguments.of("cifar10Cnn", ReferenceModels.cifar10Cnn()),
                Arguments.of("resnet20", ReferenceModels.resnet20(Shape.image(32, 32, 3), 10)),
                Arguments.of("smallCnn", ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10)),
                Arguments.of("mobileNet", ReferenceModels.mobileNet(Shape.image(32, 32, 3), 10)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceModels")
    void referenceModelsAnswerAsSightline(String name, Network model) {
        checkParity(name, model);
    }

    @Test
    void everyMappedImageLayerAnswersAsSightline() {
        checkParity("branching functional", branchingModel());
    }

    @Test
    void everyMappedActivationAnswersAsSightline() {
        checkParity("activations sequential", activationsModel());
    }

    /**
     * Non-square images, kernels, strides and windows, 'same' convolutions and pooling padded on one
     * side only (TensorFlow's extra bottom row and right column), dilation, depthwise and separable
     * convolutions, every mapped merge, padding, cropping, global pooling, a flatten of a flat tensor,
     * PReLU with shared axes, a softmax over channels, and the activation layers.
     */
    static Functional branchingModel() {
        SymbolicTensor input = Functional.input(Shape.image(10, 9, 3));
        SymbolicTensor scaled = Rescaling.of(0.5, -0.25).apply(input);
        SymbolicTensor x = new Conv2D(null, 6, 3, 2, 2, 1, Padding.SAME, ActivationFunction.RELU, true,
                Constraint.none()).apply(scaled);
        x = PReLU.of().withSharedAxes(1, 2).apply(BatchNormalization.of().apply(x));
        SymbolicTensor depthwise = DepthwiseConv2D.of(3).withPadding(Padding.SAME).withDepthMultiplier(2)
                .withActivation(ActivationFunction.RELU6).apply(x);
        SymbolicTensor separable = SeparableConv2D.of(12, 3).withPadding(Padding.SAME).withDilation(2, 2)
                .apply(x);
        SymbolicTensor sum = Add.of(depthwise, separable);
        SymbolicTensor dilated = Conv2D.of(12, 3).withPadding(Padding.SAME).withDilation(2, 1)
                .withActivation(ActivationFunction.TANH).apply(x);
        SymbolicTensor merged = Maximum.of(Average.of(Subtract.of(sum, dilated), Multiply.of(sum, dilated)), sum);
        SymbolicTensor joined = Concatenate.of(merged, x);
        joined = new ZeroPadding2D(null, 1, 0, 0, 2).apply(joined);
        joined = new Cropping2D(null, 0, 1, 1, 0).apply(joined);
        SymbolicTensor averaged = new AveragePooling2D(null, new PoolingWindow(3, 3, 2, 2, Padding.SAME)).apply(joined);
        SymbolicTensor maxed = new MaxPooling2D(null, new PoolingWindow(2, 3, 2, 2, Padding.SAME)).apply(joined);
        SymbolicTensor pooled = Softmax.of().apply(Add.of(averaged, maxed));
        SymbolicTensor globalMax = GlobalMaxPooling2D.of().apply(pooled);
        SymbolicTensor globalAverage = Flatten.of().apply(GlobalAveragePooling2D.of().apply(joined));
        SymbolicTensor y = Dense.of(16).withActivation(ActivationFunction.SELU)
                .apply(Concatenate.of(globalMax, globalAverage));
        y = PReLU.of().apply(y);
        y = LeakyReLU.of(0.2).apply(y);
        y = ELU.of(0.7).apply(y);
        y = new ReLU(null, 2.5, 0.1, 0).apply(y);
        y = org.sightline.model.Dropout.of(0.3).apply(y);
        y = BatchNormalization.of().apply(y);
        SymbolicTensor output = Dense.of(5).withActivation(ActivationFunction.SOFTMAX).apply(y);
        return Functional.of("branching", input, output);
    }

    /** Every activation DL4J has, on flat inputs, ending in a softmax Activation (a DL4J LossLayer). */
    static Sequential activationsModel() {
        Sequential.Builder builder = Sequential.builder(Shape.of(6));
        for (ActivationFunction function : List.of(ActivationFunction.LINEAR, ActivationFunction.RELU,
                ActivationFunction.SIGMOID, ActivationFunction.TANH, ActivationFunction.RELU6, ActivationFunction.ELU,
                ActivationFunction.SELU, ActivationFunction.SILU, ActivationFunction.HARD_SIGMOID_KERAS2,
                ActivationFunction.SOFTPLUS, ActivationFunction.SOFTSIGN, ActivationFunction.SOFTMAX)) {
            builder.add(Dense.of(8).withActivation(function));
        }
        // A rate of 0 leaves no DL4J layer behind; the next layer reads through it.
        return builder.add(org.sightline.model.Dropout.of(0)).add(Dense.of(4))
                .add(Activation.of(ActivationFunction.SOFTMAX)).build();
    }

    private static void checkParity(String name, Network model) {
        Weights weights = LayerConformanceTest.randomWeights(model, SEED);
        float[] images = LayerConformanceTest.randomInputs(model.inputShape(), COUNT, SEED);
        float[] expected = ReferenceForwardPass.predict(model, weights, images, COUNT);
        ComputationGraph graph = Dl4jModels.toComputationGraph(SavedModel.of(model, weights,
                IntStream.range(0, model.numClasses()).mapToObj(i -> "class " + i).toList()));
        float[] actual = output(graph, model, images);
        double difference = maxDifference(expected, actual);
        System.out.printf("DL4J ComputationGraph of %s: max probability difference %.3g, largest probability %.3f%n",
                name, difference, max(expected));
        assertTrue(difference <= TOLERANCE, name + ": max probability difference " + difference);
    }

    @Test
    void modelSerializerFileAnswersAsTheGraph(@TempDir Path directory) throws IOException {
        Functional model = branchingModel();
        Weights weights = LayerConformanceTest.randomWeights(model, SEED);
        float[] images = LayerConformanceTest.randomInputs(model.inputShape(), COUNT, SEED);
        ComputationGraph graph = Dl4jModels.toComputationGraph(model, weights);
        File file = directory.resolve("branching.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertArrayEquals(output(graph, model, images), output(restored, model, images));
    }

    @Test
    void fitTakesAStepThatChangesWeightsAndBatchStatistics() {
        Sequential model = ReferenceModels.cifar10Cnn();
        ComputationGraph graph = Dl4jModels.toComputationGraph(model, LayerConformanceTest.randomWeights(model, SEED));
        INDArray kernel = graph.getLayer("conv2d").getParam("W").dup();
        INDArray movingMean = graph.getLayer("batch_normalization").getParam("mean").dup();
        graph.fit(dataSet(model, 4));
        assertTrue(Double.isFinite(graph.score()), "score " + graph.score());
        assertNotEquals(kernel, graph.getLayer("conv2d").getParam("W"));
        assertNotEquals(movingMean, graph.getLayer("batch_normalization").getParam("mean"));
    }

    /**
     * Keras's moving statistics: {@code momentum * moving + (1 - momentum) * batch}, per channel over
     * every pixel of the batch, the variance without Bessel's correction.
     */
    @Test
    void fitMovesBatchNormStatisticsWithKerasMomentum() {
        double momentum = 0.9;
        Sequential model = Sequential.of(Shape.image(3, 2, 4), new BatchNormalization(null, momentum, 1e-3),
                Flatten.of(), Dense.of(3).withActivation(ActivationFunction.SOFTMAX));
        Weights weights = LayerConformanceTest.randomWeights(model, SEED);
        ComputationGraph graph = Dl4jModels.toComputationGraph(model, weights);
        DataSet data = dataSet(model, 5);
        INDArray pixels = data.getFeatures().reshape(5 * 3 * 2, 4);

        graph.fit(data);

        org.deeplearning4j.nn.api.Layer batchNorm = graph.getLayer("batch_normalization");
        assertMovedTo(weights.get("batch_normalization/moving_mean"), pixels.mean(0), momentum,
                batchNorm.getParam("mean"));
        assertMovedTo(weights.get("batch_normalization/moving_variance"), pixels.var(false, 0), momentum,
                batchNorm.getParam("var"));
    }

    private static void assertMovedTo(FloatTensor before, INDArray batch, double momentum, INDArray actual) {
        float[] expected = new float[before.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (float) (momentum * before.get(i) + (1 - momentum) * batch.getDouble(i));
        }
        assertArrayEquals(expected, actual.toFloatVector(), 1e-5f);
    }

    /**
     * Keras's penalties, {@code l1 * sum(|w|) + l2 * sum(w²)} per regularized weight, are what the
     * regularizers add to DL4J's score.
     */
    @Test
    void regularizersAddKerasPenaltiesToTheScore() {
        Sequential regularized = regularizedModel(true);
        Weights weights = LayerConformanceTest.randomWeights(regularized, SEED);
        DataSet data = dataSet(regularized, 4);
        double penalty = 0;
        for (ModelWeight weight : regularized.weights()) {
            Regularizer regularizer = weight.spec().regularizer();
            for (float value : weights.get(weight.key()).toArray()) {
                penalty += regularizer.l1() * Math.abs(value) + regularizer.l2() * value * value;
            }
        }
        double withPenalties = Dl4jModels.toComputationGraph(regularized, weights).score(data);
        double without = Dl4jModels.toComputationGraph(regularizedModel(false), weights).score(data);
        assertTrue(penalty > 0.1, "penalty " + penalty);
        assertEquals(penalty, withPenalties - without, 1e-5 * penalty);
    }

    private static Sequential regularizedModel(boolean regularized) {
        Regularizer none = Regularizer.none();
        return Sequential.of(Shape.image(4, 4, 2),
                Conv2D.of(3, 2).withKernelRegularizer(regularized ? new Regularizer(0.01, 0.02) : none)
                        .withBiasRegularizer(regularized ? Regularizer.l2(0.03) : none),
                Flatten.of(),
                Dense.of(5).withActivation(ActivationFunction.RELU)
                        .withKernelRegularizer(regularized ? Regularizer.l1(0.04) : none),
                Dense.of(3).withActivation(ActivationFunction.SOFTMAX)
                        .withKernelRegularizer(regularized ? Regularizer.l2(0.05) : none)
                        .withBiasRegularizer(regularized ? Regularizer.l1(0.06) : none));
    }

    @Test
    void dropoutKeepsTheRateAsDl4jsRetainProbability() {
        Sequential model = ReferenceModels.cifar10Cnn();
        ComputationGraph graph = Dl4jModels.toComputationGraph(model, model.initialWeights(SEED));
        Dropout dropout = (Dropout) graph.getLayer("dropout").conf().getLayer().getIDropout();
        assertEquals(0.8, dropout.getP(), 1e-12);
    }

    /**
     * Keras's max-norm bounds the norm over the constraint's axes of the Keras kernel; after DL4J's
     * step every such norm of kernels that all started above the bound is the bound, read back in
     * Keras's layout. The separable layer's depthwise kernel is unconstrained and stays above it.
     */
    @Test
    void fitKeepsMaxNormConstraintsOnKerasAxes() {
        double bound = 0.5;
        SymbolicTensor input = Functional.input(Shape.image(6, 5, 2));
        SymbolicTensor x = DepthwiseConv2D.of(3).withDepthMultiplier(2)
                .withDepthwiseConstraint(new MaxNorm(bound, new int[] {0, 1})).apply(input);
        x = SeparableConv2D.of(3, 2).withConstraints(Constraint.none(),
                new MaxNorm(bound, new int[] {0, 1, 2})).apply(x);
        x = Conv2D.of(4, 2).withKernelConstraint(new MaxNorm(bound, new int[] {0, 1, 2})).apply(x);
        SymbolicTensor output = Dense.of(3).withActivation(ActivationFunction.SOFTMAX)
                .withKernelConstraint(MaxNorm.of(bound)).apply(Flatten.of().apply(x));
        Functional model = Functional.of("constrained", input, output);
        ComputationGraph graph = Dl4jModels.toComputationGraph(model, largeKernels(model));

        graph.fit(dataSet(model, 4));

        assertNormsAre(bound, kerasLayout(graph, "depthwise_conv2d", "W"), 0, 1);
        assertNormsAre(bound, kerasLayout(graph, "separable_conv2d", "pW", 2, 3, 1, 0), 0, 1, 2);
        assertNormsAre(bound, kerasLayout(graph, "conv2d", "W", 2, 3, 1, 0), 0, 1, 2);
        assertNormsAre(bound, kerasLayout(graph, "dense", "W"), 0);
        double depthwiseNorm = kerasLayout(graph, "separable_conv2d", "W", 2, 3, 1, 0).norm2(0, 1, 2).minNumber()
                .doubleValue();
        assertTrue(depthwiseNorm > bound, "unconstrained depthwise kernel of the separable layer: " + depthwiseNorm);
    }

    /** Kernels of values in [0.5, 1.5), so that every norm a constraint bounds starts above 0.5. */
    private static Weights largeKernels(Network model) {
        SplittableRandom random = new SplittableRandom(SEED);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            float[] values = new float[Math.toIntExact(weight.spec().size())];
            if (weight.spec().name().endsWith("kernel")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (0.5 + random.nextDouble());
                }
            }
            builder.put(weight.key(), FloatTensor.wrap(weight.spec().shape(), values));
        }
        return builder.build();
    }

    /** A DL4J parameter moved back to Keras's layout by {@code permutation} (none: already Keras's). */
    private static INDArray kerasLayout(ComputationGraph graph, String layer, String parameter, int... permutation) {
        INDArray value = graph.getLayer(layer).getParam(parameter);
        return permutation.length > 0 ? value.permute(permutation) : value;
    }

    private static void assertNormsAre(double bound, INDArray kernel, int... axes) {
        INDArray norms = kernel.norm2(axes);
        for (double norm : norms.ravel().toDoubleVector()) {
            assertEquals(bound, norm, 1e-4, "norms over axes " + Arrays.toString(axes) + ": " + norms);
        }
    }

    @Test
    void layersDl4jCannotReproduceAreRefusedByName() {
        SymbolicTensor input = Functional.input(Shape.image(8, 8, 3));
        SymbolicTensor flipped = RandomFlip.of(RandomFlip.Mode.HORIZONTAL).apply(input);
        SymbolicTensor grouped = Conv2D.of(6, 3).withGroups(3).apply(flipped);
        SymbolicTensor plain = Conv2D.of(6, 3).withActivation(ActivationFunction.GELU).apply(flipped);
        SymbolicTensor smallest = Minimum.of(grouped, plain);
        SymbolicTensor pooled = GlobalMaxPooling2D.of().withKeepDims(true).apply(smallest);
        SymbolicTensor output = Dense.of(3).apply(Flatten.of().apply(pooled));
        Functional model = Functional.of("unsupported", input, output);

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Dl4jModels.toComputationGraph(model, model.initialWeights(SEED)));

        String message = refused.getMessage();
        for (String expected : List.of("RandomFlip 'random_flip'", "Conv2D 'conv2d': groups 3",
                "Conv2D 'conv2d_1': activation gelu", "Minimum 'minimum'",
                "GlobalMaxPooling2D 'global_max_pooling2d': keepdims",
                "Dense 'dense': the model's output must be a softmax")) {
            assertTrue(message.contains(expected), "expected \"" + expected + "\" in: " + message);
        }
        assertEquals(-1, message.indexOf("Flatten"), message);
    }

    @Test
    void inputsOtherThanImagesOrVectorsAreRefused() {
        Sequential model = Sequential.of(Shape.of(4, 3), Flatten.of(),
                Dense.of(3).withActivation(ActivationFunction.SOFTMAX));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Dl4jModels.toComputationGraph(model, model.initialWeights(SEED)));

        assertTrue(refused.getMessage().contains("the input 'input_layer' has shape"), refused.getMessage());
    }

    @Test
    void frozenLayersAreRefused() {
        Sequential model = Sequential.of(Shape.of(4), Dense.of(3), Dense.of(2).withActivation(ActivationFunction.SOFTMAX))
                .withFrozen(Set.of("dense"));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Dl4jModels.toComputationGraph(model, model.initialWeights(SEED)));

        assertTrue(refused.getMessage().contains("Dense 'dense': a frozen layer (trainable: false) has no exact DL4J "
                + "equivalent"), refused.getMessage());
    }

    private static DataSet dataSet(Network model, int size) {
        Batch batch = Batch.random(model.inputShape(), model.numClasses(), size, new SplittableRandom(SEED));
        return new DataSet(Nd4j.create(batch.images(), batchShape(model.inputShape(), size), 'c'),
                Nd4j.create(batch.oneHot(), new long[] {size, model.numClasses()}, 'c'));
    }

    private static float[] output(ComputationGraph graph, Network model, float[] images) {
        INDArray input = Nd4j.create(images, batchShape(model.inputShape(), COUNT), 'c');
        return graph.outputSingle(input).dup('c').data().asFloat();
    }

    private static long[] batchShape(Shape shape, int count) {
        return IntStream.concat(IntStream.of(count), Arrays.stream(shape.dims())).asLongStream().toArray();
    }

    private static double maxDifference(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "number of outputs");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double difference = Math.abs(expected[i] - actual[i]);
            worst = Double.isNaN(difference) ? Double.POSITIVE_INFINITY : Math.max(worst, difference);
        }
        return worst;
    }

    private static double max(float[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (float value : values) {
            max = Math.max(max, value);
        }
        return max;
    }
}
