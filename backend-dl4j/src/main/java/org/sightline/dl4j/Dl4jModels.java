package org.sightline.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
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
import org.sightline.model.Dropout;
import org.sightline.model.ELU;
import org.sightline.model.Flatten;
import org.sightline.model.Functional;
import org.sightline.model.GlobalAveragePooling2D;
import org.sightline.model.GlobalMaxPooling2D;
import org.sightline.model.InputLayer;
import org.sightline.model.Layer;
import org.sightline.model.LayerNormalization;
import org.sightline.model.LeakyReLU;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Maximum;
import org.sightline.model.Minimum;
import org.sightline.model.Multiply;
import org.sightline.model.Network;
import org.sightline.model.Normalization;
import org.sightline.model.PReLU;
import org.sightline.model.Padding;
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
import org.sightline.model.Weights;
import org.sightline.model.ZeroPadding2D;

/**
 * Hands a Sightline model to DeepLearning4J as DL4J's own {@link ComputationGraph}: DL4J layer objects
 * ({@code ConvolutionLayer}, {@code BatchNormalization}, {@code OutputLayer}, ...) carrying the model's
 * weights, so that a DL4J user goes on with DL4J's tools: {@code ModelSerializer} files, listeners, early
 * stopping, {@code fit}. This is not how the {@code dl4j} backend runs models (it runs the api's layers
 * over libnd4j operations, see the package documentation); the graph answers as Sightline does, within
 * float rounding.
 *
 * <pre>{@code
 * ComputationGraph graph = Dl4jModels.toComputationGraph(ModelFile.load(Path.of("cifar10.safetensors")));
 * INDArray probabilities = graph.outputSingle(images);   // images [n, 32, 32, 3], NHWC as in Sightline
 * graph.setListeners(new ScoreIterationListener(100));
 * graph.fit(trainingData);                               // labels one-hot [n, 10]
 * ModelSerializer.writeModel(graph, new File("cifar10-dl4j.zip"), true);
 * }</pre>
 *
 * <p>The graph keeps Sightline's layer names and Keras's layouts where DL4J allows: images are NHWC
 * ({@link CNN2DFormat#NHWC} on every convolution, pooling and batch-norm layer), so a {@code Flatten}
 * is DL4J's NHWC {@link CnnToFeedForwardPreProcessor}, which flattens in Keras's (height, width,
 * channel) order and the first dense kernel needs no reordering. Convolution kernels are moved from
 * Keras's {@code [kh, kw, in, out]} to DL4J's {@code [out, in, kh, kw]}; dense and depthwise kernels,
 * biases and batch-norm vectors keep their layout. Keras's 'same' padding maps to
 * {@link ConvolutionMode#Same}, which like TensorFlow puts the odd extra row and column at the bottom
 * and right, and 'valid' to {@link ConvolutionMode#Truncate}.
 *
 * <p>The classifier becomes the loss layer {@code fit} needs: a final {@code Dense} with softmax
 * becomes an {@link OutputLayer}, a final softmax {@code Activation} (or {@code Softmax}) a
 * {@link LossLayer}, both with multi-class cross-entropy, Sightline's loss. For training the graph
 * keeps what the model says: dropout rates (as DL4J's retain probabilities), batch-norm momentum (DL4J's
 * decay), max-norm constraints, L1/L2 regularizers. Its updater is Adam with Keras's defaults, as
 * {@code CompileOptions.reference()}; DL4J's {@code TransferLearning} with a
 * {@code FineTuneConfiguration} changes it.
 *
 * <p>A layer DL4J cannot reproduce exactly is refused, never approximated: one
 * {@link IllegalArgumentException} names every such layer with its class and the reason.
 */
public final class Dl4jModels {
    // Keras's Adam defaults: the optimizer of CompileOptions.reference().
    private static final double LEARNING_RATE = 1e-3;
    private static final double BETA_1 = 0.9;
    private static final double BETA_2 = 0.999;
    private static final double ADAM_EPSILON = 1e-7;

    /** Where each axis of a Keras convolution kernel {@code [kh, kw, in, out]} sits in DL4J's layout. */
    private static final int[] CONVOLUTION_AXES = {2, 3, 1, 0};
    /** The permutation that takes a Keras convolution kernel to DL4J's {@code [out, in, kh, kw]}. */
    private static final int[] TO_DL4J_KERNEL = {3, 2, 0, 1};
    /** Dense kernels keep Keras's layout {@code [in, units]} in DL4J. */
    private static final int[] DENSE_AXES = {0, 1};
    /** So do depthwise kernels, {@code [kh, kw, in, multiplier]}. */
    private static final int[] DEPTHWISE_AXES = {0, 1, 2, 3};

    private Dl4jModels() {
    }

    /** The saved model's network and weights as a DL4J graph; see {@link #toComputationGraph(Network, Weights)}. */
    public static ComputationGraph toComputationGraph(SavedModel saved) {
        return toComputationGraph(saved.model(), saved.weights());
    }

    /**
     * {@code model} with {@code weights} (Keras layout, as {@link Network#weights()} names them) as an
     * initialised DL4J graph with one input, NHWC images {@code [n, height, width, channels]} (or
     * vectors {@code [n, size]}), and one output, the class probabilities.
     *
     * @throws IllegalArgumentException naming every layer DL4J cannot reproduce, or if the weights do
     *         not fit the model
     */
    public static ComputationGraph toComputationGraph(Network model, Weights weights) {
        model.requireCompatible(weights, "the conversion to DL4J");
        NativeRuntime.start();
        Conversion conversion = new Conversion(model);
        ComputationGraph graph = new ComputationGraph(conversion.configuration());
        graph.init();
        for (Copy copy : conversion.copies) {
            copy.into(graph, weights);
        }
        return graph;
    }

    /** A layer of either kind of model with the tensors it reads and its shapes. */
    private record Node(Layer layer, List<String> inbound, List<Shape> inputs, Shape output) {
        String name() {
            return layer.name();
        }

        Shape input() {
            return inputs.get(0);
        }
    }

    /**
     * One Sightline weight to copy into a DL4J parameter after the graph is initialised, moved by
     * {@code permutation} (empty: no move).
     */
    private record Copy(String layer, String parameter, String weight, int[] permutation) {
        void into(ComputationGraph graph, Weights weights) {
            INDArray target = graph.getLayer(layer).getParam(parameter);
            try (INDArray source = NdArrays.create(weights.get(weight))) {
                INDArray value = permutation.length > 0 ? source.permute(permutation) : source;
                if (!Arrays.equals(target.shape(), value.shape())) {
                    throw new IllegalStateException("DL4J parameter " + parameter + " of layer '" + layer
                            + "' has shape " + Arrays.toString(target.shape()) + ", the converted " + weight + " "
                            + Arrays.toString(value.shape()));
                }
                target.assign(value);
            }
        }
    }

    /** Why a layer is refused; collected, so that one exception names every layer. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** One pass over the model: DL4J vertices in the graph builder, weight copies, and refusals. */
    private static final class Conversion {
        private final ComputationGraphConfiguration.GraphBuilder graph;
        private final List<Copy> copies = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        /** The DL4J vertex holding each Sightline tensor (a layer DL4J does without reads through). */
        private final Map<String, String> vertexOf = new HashMap<>();
        private final String modelName;

        Conversion(Network model) {
            modelName = model.name();
            graph = new NeuralNetConfiguration.Builder()
                    .dataType(DataType.FLOAT)
                    .updater(new Adam(LEARNING_RATE, BETA_1, BETA_2, ADAM_EPSILON))
                    .graphBuilder();
            List<Node> nodes = new ArrayList<>();
            String input;
            String output;
            if (model instanceof Sequential sequential) {
                input = freeInputName(sequential);
                String previous = input;
                for (int i = 0; i < sequential.layers().size(); i++) {
                    Layer layer = sequential.layers().get(i);
                    nodes.add(new Node(layer, List.of(previous), List.of(sequential.inputShape(i)),
                            sequential.outputShape(i)));
                    previous = layer.name();
                }
                output = previous;
            } else {
                Functional functional = (Functional) model;
                input = functional.input().name();
                for (int i = 0; i < functional.nodes().size(); i++) {
                    Functional.Node node = functional.nodes().get(i);
                    nodes.add(new Node(node.layer(), node.inbound(), functional.inputShapes(i),
                            functional.outputShape(i)));
                }
                output = functional.output();
            }
            graph.addInputs(input);
            vertexOf.put(input, input);
            Shape inputShape = model.inputShape();
            if (inputShape.isImage()) {
                graph.setInputTypes(InputType.convolutional(inputShape.height(), inputShape.width(),
                        inputShape.channels(), CNN2DFormat.NHWC));
            } else if (inputShape.rank() == 1) {
                graph.setInputTypes(InputType.feedForward(inputShape.dim(0)));
            } else {
                problems.add("the input '" + input + "' has shape " + inputShape
                        + "; DL4J takes images (height, width, channels) or vectors");
            }
            for (Node node : nodes) {
                String[] in = node.inbound().stream().map(vertexOf::get).toArray(String[]::new);
                if (model.frozenLayers().contains(node.name())) {
                    // Not mapped to DL4J's FrozenLayer wrappers: refused rather than trained by DL4J's fit.
                    problems.add(node.layer().kerasClass() + " '" + node.name() + "': a frozen layer "
                            + "(trainable: false) has no exact DL4J equivalent");
                }
                try {
                    vertexOf.put(node.name(), node.name().equals(output) ? addOutput(node, in) : add(node, in));
                } catch (Refused refused) {
                    problems.add(node.layer().kerasClass() + " '" + node.name() + "': " + refused.getMessage());
                    vertexOf.put(node.name(), node.name());
                }
            }
            graph.setOutputs(vertexOf.get(output));
        }

        ComputationGraphConfiguration configuration() {
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("Model '" + modelName + "' cannot be a DL4J ComputationGraph: "
                        + String.join("; ", problems));
            }
            return graph.build();
        }

        /** Keras's name for a Sequential's input, unless a layer already has it. */
        private static String freeInputName(Sequential model) {
            String name = InputLayer.NAME_PREFIX;
            for (int i = 1; hasLayer(model, name); i++) {
                name = InputLayer.NAME_PREFIX + "_" + i;
            }
            return name;
        }

        private static boolean hasLayer(Sequential model, String name) {
            return model.layers().stream().anyMatch(layer -> layer.name().equals(name));
        }

        /**
         * The classifier at the end, as the loss layer DL4J's {@code fit} needs, with Sightline's loss:
         * softmax cross-entropy.
         */
        private String addOutput(Node node, String[] in) {
            Layer layer = node.layer();
            if (layer instanceof Dense dense && dense.activation() == ActivationFunction.SOFTMAX) {
                OutputLayer.Builder builder = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(dense.units()).activation(new ActivationSoftmax()).hasBias(dense.useBias());
                return addDense(node, regularized(builder, dense.kernelRegularizer(), dense.biasRegularizer(),
                        dense.kernelConstraint(), DENSE_AXES).build(), in);
            }
            boolean softmax = layer instanceof Softmax
                    || (layer instanceof Activation activation && activation.function() == ActivationFunction.SOFTMAX);
            if (softmax && node.input().rank() == 1) {
                return addLayer(node, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(new ActivationSoftmax()).build(), in);
            }
            throw new Refused("the model's output must be a softmax over class scores (a Dense with softmax, or a "
                    + "softmax Activation or Softmax after a flat layer): DL4J's fit needs it as the loss layer of "
                    + "Sightline's softmax cross-entropy");
        }

        private String add(Node node, String[] in) {
            Layer layer = node.layer();
            if (layer instanceof Conv2D conv) {
                return addConv2D(node, conv, in);
            } else if (layer instanceof DepthwiseConv2D depthwise) {
                return addDepthwise(node, depthwise, in);
            } else if (layer instanceof SeparableConv2D separable) {
                return addSeparable(node, separable, in);
            } else if (layer instanceof Dense dense) {
                DenseLayer.Builder builder = new DenseLayer.Builder().nOut(dense.units())
                        .activation(activation(dense.activation())).hasBias(dense.useBias());
                return addDense(node, regularized(builder, dense.kernelRegularizer(), dense.biasRegularizer(),
                        dense.kernelConstraint(), DENSE_AXES).build(), in);
            } else if (layer instanceof BatchNormalization batchNorm) {
                return addBatchNorm(node, batchNorm, in);
            } else if (layer instanceof MaxPooling2D pooling) {
                return addLayer(node, pooling(PoolingType.MAX, pooling.window()).build(), in);
            } else if (layer instanceof AveragePooling2D pooling) {
                // Keras averages over the pixels inside the image only, also at a 'same' border.
                return addLayer(node, pooling(PoolingType.AVG, pooling.window()).avgPoolIncludePadInDivisor(false)
                        .build(), in);
            } else if (layer instanceof GlobalAveragePooling2D pooling) {
                return addGlobalPooling(node, PoolingType.AVG, pooling.keepDims(), in);
            } else if (layer instanceof GlobalMaxPooling2D pooling) {
                return addGlobalPooling(node, PoolingType.MAX, pooling.keepDims(), in);
            } else if (layer instanceof Flatten) {
                Shape input = node.input();
                if (!input.isImage()) {
                    return in[0];
                }
                return addVertex(node.name(), new PreprocessorVertex(new CnnToFeedForwardPreProcessor(input.height(),
                        input.width(), input.channels(), CNN2DFormat.NHWC)), in);
            } else if (layer instanceof Dropout dropout) {
                // DL4J takes the probability of keeping a value; a rate of 0 keeps them all.
                return dropout.rate() == 0 ? in[0] : addLayer(node, new DropoutLayer.Builder(1 - dropout.rate())
                        .build(), in);
            } else if (layer instanceof Activation activation) {
                return addActivation(node, activation(activation.function()), in);
            } else if (layer instanceof Softmax) {
                return addActivation(node, new ActivationSoftmax(), in);
            } else if (layer instanceof ReLU relu) {
                if (relu.threshold() != 0) {
                    throw new Refused("threshold " + relu.threshold() + ": DL4J's ReLU keeps x at x == threshold, "
                            + "Keras's gives 0 there");
                }
                return addActivation(node, new ActivationReLU(relu.maxValue(), null,
                        relu.negativeSlope() == 0 ? null : relu.negativeSlope()), in);
            } else if (layer instanceof LeakyReLU leaky) {
                return addActivation(node, new ActivationLReLU(leaky.negativeSlope()), in);
            } else if (layer instanceof ELU elu) {
                return addActivation(node, new ActivationELU(elu.alpha()), in);
            } else if (layer instanceof PReLU prelu) {
                String name = addLayer(node, new PReLULayer.Builder()
                        .inputShape(Arrays.stream(node.input().dims()).asLongStream().toArray())
                        .sharedAxes(prelu.sharedAxes().stream().mapToLong(Integer::longValue).toArray()).build(), in);
                copies.add(new Copy(name, "W", name + "/alpha", new int[0]));
                return name;
            } else if (layer instanceof ZeroPadding2D padding) {
                return addLayer(node, new ZeroPaddingLayer.Builder(padding.top(), padding.bottom(), padding.left(),
                        padding.right()).dataFormat(CNN2DFormat.NHWC).build(), in);
            } else if (layer instanceof Cropping2D cropping) {
                return addLayer(node, new org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D.Builder(
                        cropping.top(), cropping.bottom(), cropping.left(), cropping.right())
                        .dataFormat(CNN2DFormat.NHWC).build(), in);
            } else if (layer instanceof Rescaling rescaling) {
                if (rescaling.scale().size() != 1 || rescaling.offset().size() != 1) {
                    throw new Refused("per-channel scale or offset: DL4J's ScaleVertex and ShiftVertex take one "
                            + "number each");
                }
                // '/' never appears in a Keras layer name, so this vertex cannot clash with a layer.
                String scaled = addVertex(node.name() + "/scale", new ScaleVertex(rescaling.scale().get(0)), in);
                return addVertex(node.name(), new ShiftVertex(rescaling.offset().get(0)), scaled);
            } else if (layer instanceof Add) {
                return addVertex(node.name(), new ElementWiseVertex(ElementWiseVertex.Op.Add), in);
            } else if (layer instanceof Subtract) {
                return addVertex(node.name(), new ElementWiseVertex(ElementWiseVertex.Op.Subtract), in);
            } else if (layer instanceof Multiply) {
                return addVertex(node.name(), new ElementWiseVertex(ElementWiseVertex.Op.Product), in);
            } else if (layer instanceof Average) {
                return addVertex(node.name(), new ElementWiseVertex(ElementWiseVertex.Op.Average), in);
            } else if (layer instanceof Maximum) {
                return addVertex(node.name(), new ElementWiseVertex(ElementWiseVertex.Op.Max), in);
            } else if (layer instanceof Concatenate concatenate) {
                return addConcatenate(node, concatenate, in);
            }
            throw new Refused(unsupportedReason(layer));
        }

        /** Why DL4J has no layer for one Sightline has. */
        private static String unsupportedReason(Layer layer) {
            return switch (layer.kerasClass()) {
                case Minimum.KERAS_CLASS -> "DL4J's ElementWiseVertex has no minimum";
                case Reshape.KERAS_CLASS -> "DL4J's ComputationGraph layers have no reshape of an example";
                case Normalization.KERAS_CLASS -> "DL4J has no fixed normalization layer, and its BatchNormalization "
                        + "would change the statistics in fit";
                case LayerNormalization.KERAS_CLASS -> "DL4J's ComputationGraph layers have no layer normalization";
                case SpatialDropout2D.KERAS_CLASS -> "DL4J's SpatialDropout drops along axis 1, which is the rows of "
                        + "NHWC images, not the channels";
                case RandomFlip.KERAS_CLASS, RandomTranslation.KERAS_CLASS, RandomCrop.KERAS_CLASS -> "DL4J has no "
                        + "augmentation layer; augment the training data in its DataSetIterator instead";
                default -> "DL4J has no equivalent layer";
            };
        }

        private String addConv2D(Node node, Conv2D conv, String[] in) {
            if (conv.groups() != 1) {
                throw new Refused("groups " + conv.groups() + ": DL4J's ConvolutionLayer has no grouped convolution");
            }
            ConvolutionLayer.Builder builder = new ConvolutionLayer.Builder(conv.kernelHeight(), conv.kernelWidth())
                    .stride(conv.strideHeight(), conv.strideWidth())
                    .dilation(conv.dilationHeight(), conv.dilationWidth())
                    .dataFormat(CNN2DFormat.NHWC)
                    .convolutionMode(mode(conv.padding()))
                    .nOut(conv.filters())
                    .hasBias(conv.useBias())
                    .activation(activation(conv.activation()));
            String name = addLayer(node, regularized(builder, conv.kernelRegularizer(), conv.biasRegularizer(),
                    conv.kernelConstraint(), CONVOLUTION_AXES).build(), in);
            copies.add(new Copy(name, "W", name + "/kernel", TO_DL4J_KERNEL));
            copyBias(name, conv.useBias());
            return name;
        }

        private String addDepthwise(Node node, DepthwiseConv2D depthwise, String[] in) {
            // DL4J's depthwise kernel is Keras's [kh, kw, in, multiplier], its output channel c * multiplier + m.
            DepthwiseConvolution2D.Builder builder = new DepthwiseConvolution2D.Builder(depthwise.kernelHeight(),
                    depthwise.kernelWidth())
                    .stride(depthwise.strideHeight(), depthwise.strideWidth())
                    .dilation(depthwise.dilationHeight(), depthwise.dilationWidth())
                    .depthMultiplier(depthwise.depthMultiplier())
                    .dataFormat(CNN2DFormat.NHWC)
                    .convolutionMode(mode(depthwise.padding()))
                    .nOut(node.output().channels())
                    .hasBias(depthwise.useBias())
                    .activation(activation(depthwise.activation()));
            String name = addLayer(node, regularized(builder, Regularizer.none(), Regularizer.none(),
                    depthwise.depthwiseConstraint(), DEPTHWISE_AXES).build(), in);
            copies.add(new Copy(name, "W", name + "/depthwise_kernel", new int[0]));
            copyBias(name, depthwise.useBias());
            return name;
        }

        private String addSeparable(Node node, SeparableConv2D separable, String[] in) {
            SeparableConvolution2D.Builder builder = new SeparableConvolution2D.Builder(separable.kernelHeight(),
                    separable.kernelWidth())
                    .stride(separable.strideHeight(), separable.strideWidth())
                    .dilation(separable.dilationHeight(), separable.dilationWidth())
                    .depthMultiplier(separable.depthMultiplier())
                    .dataFormat(CNN2DFormat.NHWC)
                    .convolutionMode(mode(separable.padding()))
                    .nOut(separable.filters())
                    .hasBias(separable.useBias())
                    .activation(activation(separable.activation()));
            // DL4J's weight constraint covers both kernels; the pointwise one can also be constrained alone.
            Constraint depthwise = separable.depthwiseConstraint();
            Constraint pointwise = separable.pointwiseConstraint();
            if (depthwise instanceof MaxNorm) {
                if (!depthwise.equals(pointwise)) {
                    throw new Refused("a depthwise constraint unlike the pointwise one: DL4J applies a "
                            + "SeparableConvolution2D's weight constraint to both kernels");
                }
                builder.constrainWeights(maxNorm((MaxNorm) depthwise, CONVOLUTION_AXES));
            } else if (pointwise instanceof MaxNorm maxNorm) {
                builder.constrainPointWise(maxNorm(maxNorm, CONVOLUTION_AXES));
            }
            String name = addLayer(node, builder.build(), in);
            // DL4J: depthwise [multiplier, in, kh, kw] and pointwise [out, in * multiplier, 1, 1].
            copies.add(new Copy(name, "W", name + "/depthwise_kernel", TO_DL4J_KERNEL));
            copies.add(new Copy(name, "pW", name + "/pointwise_kernel", TO_DL4J_KERNEL));
            copyBias(name, separable.useBias());
            return name;
        }

        private String addDense(Node node, org.deeplearning4j.nn.conf.layers.Layer layer, String[] in) {
            String name = addLayer(node, layer, in);
            copies.add(new Copy(name, "W", name + "/kernel", new int[0]));
            copyBias(name, ((Dense) node.layer()).useBias());
            return name;
        }

        private String addBatchNorm(Node node, BatchNormalization batchNorm, String[] in) {
            if (batchNorm.axis() != -1) {
                throw new Refused("axis " + batchNorm.axis() + ": DL4J's BatchNormalization normalizes the "
                        + "channels, the last axis");
            }
            if (batchNorm.center() != batchNorm.scale()) {
                throw new Refused("center=" + batchNorm.center() + " with scale=" + batchNorm.scale()
                        + ": DL4J's BatchNormalization learns both gamma and beta or fixes both");
            }
            // useLogStd(false): DL4J then keeps the moving variance itself, as Keras, not log10 of the deviation.
            String name = addLayer(node, new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder()
                    .eps(batchNorm.epsilon())
                    .decay(batchNorm.momentum())
                    .lockGammaBeta(!batchNorm.scale())
                    .useLogStd(false)
                    .dataFormat(CNN2DFormat.NHWC)
                    .build(), in);
            if (batchNorm.scale()) {
                copies.add(new Copy(name, "gamma", name + "/gamma", new int[0]));
                copies.add(new Copy(name, "beta", name + "/beta", new int[0]));
            }
            copies.add(new Copy(name, "mean", name + "/moving_mean", new int[0]));
            copies.add(new Copy(name, "var", name + "/moving_variance", new int[0]));
            return name;
        }

        private String addGlobalPooling(Node node, PoolingType type, boolean keepDims, String[] in) {
            if (keepDims) {
                // M2.1's GlobalPoolingLayer reshapes what it keeps to [n, axis 1, 1, 1]: NCHW only.
                throw new Refused("keepdims: DL4J's GlobalPoolingLayer keeps the pooled axes of NCHW images only");
            }
            return addLayer(node, new GlobalPoolingLayer.Builder(type).build(), in);
        }

        private String addConcatenate(Node node, Concatenate concatenate, String[] in) {
            int rank = node.input().rank();
            int axis = concatenate.axis() < 0 ? rank + 1 + concatenate.axis() : concatenate.axis();
            if (axis != rank) {
                throw new Refused("axis " + concatenate.axis() + ": DL4J's MergeVertex joins the channels, the last "
                        + "axis");
            }
            MergeVertex merge = new MergeVertex();
            // Axis 3 of an NHWC batch, axis 1 of a batch of vectors: the last either way.
            merge.setMergeAxis(rank);
            return addVertex(node.name(), merge, in);
        }

        private void copyBias(String name, boolean useBias) {
            if (useBias) {
                copies.add(new Copy(name, "b", name + "/bias", new int[0]));
            }
        }

        private String addActivation(Node node, IActivation activation, String[] in) {
            return addLayer(node, new ActivationLayer.Builder().activation(activation).build(), in);
        }

        private String addLayer(Node node, org.deeplearning4j.nn.conf.layers.Layer layer, String[] in) {
            graph.addLayer(node.name(), layer, in);
            return node.name();
        }

        private String addVertex(String name, GraphVertex vertex, String... in) {
            graph.addVertex(name, vertex, in);
            return name;
        }

        private static SubsamplingLayer.Builder pooling(PoolingType type, PoolingWindow window) {
            return new SubsamplingLayer.Builder(type)
                    .kernelSize(window.poolHeight(), window.poolWidth())
                    .stride(window.strideHeight(), window.strideWidth())
                    .convolutionMode(mode(window.padding()))
                    .dataFormat(CNN2DFormat.NHWC);
        }

        /**
         * 'same' as TensorFlow pads (the odd extra pixel at the bottom and right: DL4J's Same does so too);
         * 'valid' drops what the last window does not cover, which DL4J calls Truncate.
         */
        private static ConvolutionMode mode(Padding padding) {
            return padding == Padding.SAME ? ConvolutionMode.Same : ConvolutionMode.Truncate;
        }

        /**
         * Keras's penalties and constraint on a kernel and a bias. DL4J's L2 penalty is {@code l2 / 2 *
         * sum(w²)} (gradient {@code l2 * w}), Keras's {@code l2 * sum(w²)}: the factor doubles. L1 is
         * {@code l1 * sum(|w|)} in both.
         */
        private static <B extends BaseLayer.Builder<B>> B regularized(B builder, Regularizer kernel,
                Regularizer bias, Constraint constraint, int[] axes) {
            if (kernel.l1() != 0) {
                builder.l1(kernel.l1());
            }
            if (kernel.l2() != 0) {
                builder.l2(2 * kernel.l2());
            }
            if (bias.l1() != 0) {
                builder.l1Bias(bias.l1());
            }
            if (bias.l2() != 0) {
                builder.l2Bias(2 * bias.l2());
            }
            if (constraint instanceof MaxNorm maxNorm) {
                builder.constrainWeights(maxNorm(maxNorm, axes));
            }
            return builder;
        }

        /**
         * Keras's max-norm: the norm over {@code axes} of the Keras kernel, here over the same axes of
         * DL4J's layout ({@code axes[k]} is where Keras's axis k went).
         */
        private static MaxNormConstraint maxNorm(MaxNorm maxNorm, int[] axes) {
            int[] kerasAxes = maxNorm.axes();
            int[] dl4jAxes = new int[kerasAxes.length];
            for (int i = 0; i < kerasAxes.length; i++) {
                if (kerasAxes[i] >= axes.length) {
                    throw new Refused("max-norm axis " + kerasAxes[i] + " is not an axis of its kernel");
                }
                dl4jAxes[i] = axes[kerasAxes[i]];
            }
            return new MaxNormConstraint(maxNorm.maxValue(), dl4jAxes);
        }

        /**
         * DL4J's activation computing what Keras's does. Refused: GELU (DL4J's is the sigmoid or tanh
         * approximation, Keras's default the exact erf form) and Keras 3's hard sigmoid (relu6(x + 3) / 6;
         * DL4J's is Keras 2's 0.2 x + 0.5, clipped).
         */
        private static IActivation activation(ActivationFunction function) {
            return switch (function) {
                case LINEAR -> new ActivationIdentity();
                case RELU -> new ActivationReLU();
                case SIGMOID -> new ActivationSigmoid();
                case TANH -> new ActivationTanH();
                case SOFTMAX -> new ActivationSoftmax();
                case RELU6 -> new ActivationReLU6();
                case ELU -> new ActivationELU();
                case SELU -> new ActivationSELU();
                case SILU -> new ActivationSwish();
                case HARD_SIGMOID_KERAS2 -> new ActivationHardSigmoid();
                case SOFTPLUS -> new ActivationSoftPlus();
                case SOFTSIGN -> new ActivationSoftSign();
                case GELU -> throw new Refused("activation gelu: DL4J's GELU is an approximation of Keras's exact one");
                case HARD_SIGMOID -> throw new Refused("activation hard_sigmoid (Keras 3: relu6(x + 3) / 6): "
                        + "DL4J's is Keras 2's clip(0.2 x + 0.5, 0, 1)");
            };
        }
    }
}
