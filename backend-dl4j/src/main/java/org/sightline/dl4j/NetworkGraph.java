package org.sightline.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.Layer;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

/**
 * A {@link Sequential} translated into one SameDiff graph with two chains over shared weights: a
 * training chain (dropout masks fed as placeholders, batch-norm on batch statistics, the loss) and
 * an inference chain (no dropout, batch-norm on moving statistics). Images run in the chosen
 * {@link ImageLayout}; in NCHW the input is permuted from Keras's NHWC at the start and activations
 * back to NHWC before a {@link Flatten}, so in both layouts every weight keeps its Keras layout and
 * name (a Conv2D kernel is fed to libnd4j as {@code [kh, kw, in, out]}, its weights format YXIO) and
 * the flat order seen by the first Dense kernel is Keras's (height, width, channel).
 */
final class NetworkGraph {
    static final String INPUT = "input";
    static final String LABELS = "labels";
    static final String LOSS = "loss";
    static final String TRAIN_OUTPUT = "train_output";
    static final String OUTPUT = "output";
    private static final double KERAS_EPSILON = 1e-7;

    /** A dropout layer of the training chain: its mask placeholder and the mask's shape per example. */
    record DropoutMask(String placeholder, long[] exampleShape, double retain) {
    }

    /** A batch-norm layer of the training chain: where its batch statistics appear and what they update. */
    record BatchStatistics(String batchMean, String batchVariance, String movingMean, String movingVariance,
            double momentum) {
    }

    private final SameDiff sameDiff;
    private final Map<String, INDArray> weights;
    private final List<DropoutMask> dropoutMasks = new ArrayList<>();
    private final List<BatchStatistics> batchStatistics = new ArrayList<>();
    private final Sequential model;
    private final ImageLayout layout;

    private NetworkGraph(Sequential model, Map<String, INDArray> weights, ImageLayout layout) {
        this.model = model;
        this.weights = weights;
        this.layout = layout;
        this.sameDiff = SameDiff.create();
    }

    /**
     * Builds the graph over {@code weights} (Keras names and layout), which the graph takes as its
     * variables: they are updated in place and must stay alive as long as the graph.
     */
    static NetworkGraph build(Sequential model, Map<String, INDArray> weights, ImageLayout layout) {
        NetworkGraph graph = new NetworkGraph(model, weights, layout);
        graph.define();
        return graph;
    }

    SameDiff sameDiff() {
        return sameDiff;
    }

    List<DropoutMask> dropoutMasks() {
        return dropoutMasks;
    }

    List<BatchStatistics> batchStatistics() {
        return batchStatistics;
    }

    private void define() {
        Map<String, SDVariable> variables = new LinkedHashMap<>();
        for (ModelWeight weight : model.weights()) {
            variables.put(weight.key(), sameDiff.var(weight.key(), weights.get(weight.key())));
        }
        Shape input = model.inputShape();
        long[] inputShape = new long[input.rank() + 1];
        inputShape[0] = -1;
        for (int i = 0; i < input.rank(); i++) {
            inputShape[i + 1] = input.dim(i);
        }
        SDVariable x = sameDiff.placeHolder(INPUT, DataType.FLOAT, inputShape);
        SDVariable labels = sameDiff.placeHolder(LABELS, DataType.FLOAT, -1, model.numClasses());

        Chain training = chain(x, variables, true);
        Chain inference = chain(x, variables, false);
        sameDiff.identity(OUTPUT, inference.output);
        sameDiff.identity(TRAIN_OUTPUT, training.output);
        SDVariable loss;
        if (training.logits != null) {
            // Keras computes cross-entropy of a softmax output from its logits (TF's `_keras_logits`).
            loss = sameDiff.loss.softmaxCrossEntropy(LOSS, labels, training.logits, null, LossReduce.MEAN_BY_WEIGHT,
                    0.0);
        } else {
            // Keras's categorical_crossentropy on probabilities: renormalise, clip, -sum(y log p).
            SDVariable p = training.output.div(training.output.sum(true, 1));
            p = sameDiff.math.log(sameDiff.clipByValue(p, KERAS_EPSILON, 1 - KERAS_EPSILON));
            loss = sameDiff.identity(LOSS, labels.mul(p).sum(1).neg().mean());
        }
        sameDiff.setLossVariables(loss);
    }

    /** The output of one chain, and its logits when it ends with a softmax. */
    private record Chain(SDVariable output, SDVariable logits) {
    }

    private Chain chain(SDVariable input, Map<String, SDVariable> w, boolean training) {
        String tag = training ? "train" : "infer";
        SDVariable x = input;
        if (model.inputShape().isImage() && layout == ImageLayout.NCHW) {
            x = x.permute(0, 3, 1, 2);
        }
        SDVariable logits = null;
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            String name = layer.name();
            Shape out = model.outputShape(i);
            logits = null;
            if (layer instanceof Conv2D conv) {
                Conv2DConfig config = new Conv2DConfig(conv.kernelHeight(), conv.kernelWidth(), conv.strideHeight(),
                        conv.strideWidth(), 0, 0, 1, 1, paddingMode(conv.padding()),
                        layout == ImageLayout.NCHW ? Conv2DConfig.NCHW : Conv2DConfig.NHWC, WeightsFormat.YXIO);
                SDVariable bias = conv.useBias() ? w.get(name + "/bias") : null;
                SDVariable pre = sameDiff.cnn.conv2d(name + "/" + tag, x, w.get(name + "/kernel"), bias, config);
                x = activate(pre, conv.activation(), true);
                logits = conv.activation() == ActivationFunction.SOFTMAX ? pre : null;
            } else if (layer instanceof Dense dense) {
                SDVariable kernel = w.get(name + "/kernel");
                // Not sameDiff.nn.linear: its xw_plus_b_bp accumulates into arrays SameDiff recycles between
                // calls, so every gradient after the first would be wrong.
                SDVariable pre = x.mmul(name + "/" + tag, kernel);
                if (dense.useBias()) {
                    pre = pre.add(w.get(name + "/bias"));
                }
                x = activate(pre, dense.activation(), false);
                logits = dense.activation() == ActivationFunction.SOFTMAX ? pre : null;
            } else if (layer instanceof Activation activation) {
                SDVariable pre = x;
                x = activate(pre, activation.function(), out.isImage());
                logits = activation.function() == ActivationFunction.SOFTMAX ? pre : null;
            } else if (layer instanceof Dropout dropout) {
                if (training && dropout.rate() > 0) {
                    long[] exampleShape = layout.exampleShape(out);
                    long[] maskShape = new long[exampleShape.length + 1];
                    maskShape[0] = -1;
                    System.arraycopy(exampleShape, 0, maskShape, 1, exampleShape.length);
                    String placeholder = name + "/mask";
                    SDVariable mask = sameDiff.placeHolder(placeholder, DataType.FLOAT, maskShape);
                    dropoutMasks.add(new DropoutMask(placeholder, exampleShape, 1 - dropout.rate()));
                    x = x.mul(mask);
                }
            } else if (layer instanceof BatchNormalization bn) {
                SDVariable gamma = w.get(name + "/gamma");
                SDVariable beta = w.get(name + "/beta");
                if (training) {
                    int[] axes = out.isImage() ? layout.batchNormAxes() : new int[] {0};
                    SDVariable[] moments = sameDiff.math.moments(
                            new String[] {name + "/batch_mean", name + "/batch_variance"}, x, axes, false);
                    batchStatistics.add(new BatchStatistics(moments[0].name(), moments[1].name(),
                            name + "/moving_mean", name + "/moving_variance", bn.momentum()));
                    x = normalizeWithBatchStatistics(x, moments[0], moments[1], gamma, beta, bn.epsilon(),
                            out.isImage());
                } else {
                    x = sameDiff.nn.batchNorm(x, w.get(name + "/moving_mean"), w.get(name + "/moving_variance"),
                            gamma, beta, bn.epsilon(), out.isImage() ? layout.channelAxis() : 1);
                }
            } else if (layer instanceof MaxPooling2D pool) {
                x = sameDiff.cnn.maxPooling2d(x, pooling(pool.window(), Pooling2D.Pooling2DType.MAX));
            } else if (layer instanceof AveragePooling2D pool) {
                x = sameDiff.cnn.avgPooling2d(x, pooling(pool.window(), Pooling2D.Pooling2DType.AVG));
            } else if (layer instanceof Flatten) {
                if (model.inputShape(i).isImage()) {
                    if (layout == ImageLayout.NCHW) {
                        // Back to NHWC so that the flat order, and the next Dense kernel, are Keras's.
                        x = x.permute(0, 2, 3, 1);
                    }
                    x = x.reshape(-1, out.dim(0));
                }
            } else {
                throw new IllegalArgumentException("The dl4j backend cannot translate layer " + layer.kerasClass()
                        + " '" + name + "'");
            }
        }
        return new Chain(x, logits);
    }

    /**
     * Batch normalization in training mode as TF's {@code tf.nn.batch_normalization}:
     * {@code x * inv + (beta - mean * inv)} with {@code inv = gamma / sqrt(variance + eps)}. Built from
     * plain ops because SameDiff M2.1 cannot differentiate its fused batchnorm op (the axis is lost
     * when the gradient function copies the graph); the gradient reaches the input through the
     * batch mean and variance as well, as it must in training mode.
     */
    private SDVariable normalizeWithBatchStatistics(SDVariable x, SDVariable mean, SDVariable variance,
            SDVariable gamma, SDVariable beta, double epsilon, boolean image) {
        SDVariable inv = sameDiff.math.rsqrt(variance.add(epsilon)).mul(gamma);
        SDVariable shift = beta.sub(mean.mul(inv));
        if (image && layout == ImageLayout.NCHW) {
            // Per channel: [C] -> [1, C, 1, 1] broadcasts over NCHW; over NHWC [C] broadcasts as it is.
            inv = inv.reshape(1, -1, 1, 1);
            shift = shift.reshape(1, -1, 1, 1);
        }
        return x.mul(inv).add(shift);
    }

    private SDVariable activate(SDVariable x, ActivationFunction function, boolean image) {
        return switch (function) {
            case LINEAR -> x;
            case RELU -> sameDiff.nn.relu(x, 0);
            case SIGMOID -> sameDiff.nn.sigmoid(x);
            case TANH -> sameDiff.nn.tanh(x);
            // Keras applies softmax over the last axis: the channels of an image.
            case SOFTMAX -> sameDiff.nn.softmax(x, image ? layout.channelAxis() : 1);
        };
    }

    private static PaddingMode paddingMode(Padding padding) {
        return padding == Padding.SAME ? PaddingMode.SAME : PaddingMode.VALID;
    }

    private Pooling2DConfig pooling(PoolingWindow window, Pooling2D.Pooling2DType type) {
        // Keras (TF) averages over the window's valid values only when padding 'same' reaches outside.
        return new Pooling2DConfig(window.poolHeight(), window.poolWidth(), window.strideHeight(),
                window.strideWidth(), 0, 0, 0, type, Pooling2D.Divisor.EXCLUDE_PADDING,
                paddingMode(window.padding()), 1, 1, layout == ImageLayout.NHWC);
    }
}
