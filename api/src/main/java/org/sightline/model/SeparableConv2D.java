package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.sightline.ops.Ops;

/**
 * Keras's {@code SeparableConv2D}: a depthwise convolution (as {@link DepthwiseConv2D}: strides, padding
 * and dilation apply here) followed by a 1 x 1 convolution mixing its {@code in * depthMultiplier}
 * channels into {@code filters}. Weights {@code depthwise_kernel [kh, kw, in, depthMultiplier]} and
 * {@code pointwise_kernel [1, 1, in * depthMultiplier, filters]}, Glorot-uniform initialised, and
 * {@code bias [filters]}, zero-initialised.
 *
 * <pre>{@code
 * SeparableConv2D.of(64, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU)
 * }</pre>
 */
public record SeparableConv2D(String name, int filters, int kernelHeight, int kernelWidth, int strideHeight,
        int strideWidth, int dilationHeight, int dilationWidth, int depthMultiplier, Padding padding,
        ActivationFunction activation, boolean useBias, Constraint depthwiseConstraint,
        Constraint pointwiseConstraint) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "SeparableConv2D";
    private static final int KERNEL_RANK = 4;

    public SeparableConv2D {
        checkArgument(filters > 0, "SeparableConv2D.filters must be > 0, got %s", filters);
        checkArgument(kernelHeight > 0 && kernelWidth > 0, "SeparableConv2D.kernel_size must be > 0, got (%s, %s)",
                kernelHeight, kernelWidth);
        checkArgument(strideHeight > 0 && strideWidth > 0, "SeparableConv2D.strides must be > 0, got (%s, %s)",
                strideHeight, strideWidth);
        Conv2D.checkDilation("SeparableConv2D", strideHeight, strideWidth, dilationHeight, dilationWidth);
        checkArgument(depthMultiplier > 0, "SeparableConv2D.depth_multiplier must be > 0, got %s", depthMultiplier);
        Objects.requireNonNull(padding, "SeparableConv2D.padding");
        Objects.requireNonNull(activation, "SeparableConv2D.activation");
        Objects.requireNonNull(depthwiseConstraint, "SeparableConv2D.depthwise_constraint");
        Objects.requireNonNull(pointwiseConstraint, "SeparableConv2D.pointwise_constraint");
    }

    /** A square kernel, stride 1, no dilation, multiplier 1, padding 'valid', no activation, with bias. */
    public static SeparableConv2D of(int filters, int kernelSize) {
        return new SeparableConv2D(null, filters, kernelSize, kernelSize, 1, 1, 1, 1, 1, Padding.VALID,
                ActivationFunction.LINEAR, true, Constraint.none(), Constraint.none());
    }

    @Override
    public SeparableConv2D withName(String newName) {
        return new SeparableConv2D(newName, filters, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationHeight, dilationWidth, depthMultiplier, padding, activation, useBias, depthwiseConstraint,
                pointwiseConstraint);
    }

    public SeparableConv2D withPadding(Padding newPadding) {
        return new SeparableConv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationHeight, dilationWidth, depthMultiplier, newPadding, activation, useBias, depthwiseConstraint,
                pointwiseConstraint);
    }

    public SeparableConv2D withStrides(int height, int width) {
        return new SeparableConv2D(name, filters, kernelHeight, kernelWidth, height, width, dilationHeight,
                dilationWidth, depthMultiplier, padding, activation, useBias, depthwiseConstraint,
                pointwiseConstraint);
    }

    public SeparableConv2D withDilation(int height, int width) {
        return new SeparableConv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, height, width,
                depthMultiplier, padding, activation, useBias, depthwiseConstraint, pointwiseConstraint);
    }

    public SeparableConv2D withDepthMultiplier(int multiplier) {
        return new SeparableConv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationHeight, dilationWidth, multiplier, padding, activation, useBias, depthwiseConstraint,
                pointwiseConstraint);
    }

    public SeparableConv2D withActivation(ActivationFunction newActivation) {
        return new SeparableConv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationHeight, dilationWidth, depthMultiplier, padding, newActivation, useBias, depthwiseConstraint,
                pointwiseConstraint);
    }

    public SeparableConv2D withUseBias(boolean newUseBias) {
        return new SeparableConv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationHeight, dilationWidth, depthMultiplier, padding, activation, newUseBias, depthwiseConstraint,
                pointwiseConstraint);
    }

    /** Constraints on the depthwise and the pointwise kernel. */
    public SeparableConv2D withConstraints(Constraint depthwise, Constraint pointwise) {
        return new SeparableConv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationHeight, dilationWidth, depthMultiplier, padding, activation, useBias, depthwise, pointwise);
    }

    /**
     * Reads Keras's {@code SeparableConv2D} config. Keras 2's layer extended {@code Conv2D} and also wrote
     * that layer's {@code groups} (always 1) and {@code kernel_*} fields, which its computation never
     * used: they are read and ignored as Keras 2 ignored them.
     */
    public static SeparableConv2D fromKeras(KerasConfig config, Shape input) {
        int filters = config.integer("filters", null);
        int[] kernel = config.pair("kernel_size", null);
        int[] strides = config.pair("strides", new int[] {1, 1});
        Padding padding = config.padding();
        config.requireChannelsLast();
        int multiplier = config.integer("depth_multiplier", 1);
        int[] dilation = config.pair("dilation_rate", new int[] {1, 1});
        int groups = config.integer("groups", 1);
        if (groups != 1) {
            throw config.error("groups = " + groups + " is not supported");
        }
        config.take("kernel_initializer");
        config.take("kernel_constraint");
        ActivationFunction activation = config.activation(false);
        boolean useBias = config.bool("use_bias", true);
        config.initializer("depthwise_initializer", Initializer.GLOROT_UNIFORM);
        config.initializer("pointwise_initializer", Initializer.GLOROT_UNIFORM);
        config.initializer("bias_initializer", Initializer.ZEROS);
        Constraint depthwise = config.constraint("depthwise_constraint", KERNEL_RANK);
        Constraint pointwise = config.constraint("pointwise_constraint", KERNEL_RANK);
        return new SeparableConv2D(config.name(), filters, kernel[0], kernel[1], strides[0], strides[1], dilation[0],
                dilation[1], multiplier, padding, activation, useBias, depthwise, pointwise);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("depth_multiplier", depthMultiplier).put("filters", filters)
                .pair("kernel_size", kernelHeight, kernelWidth).pair("strides", strideHeight, strideWidth)
                .padding(padding).channelsLast().pair("dilation_rate", dilationHeight, dilationWidth)
                .activation(activation).put("use_bias", useBias)
                .initializer("depthwise_initializer", Initializer.GLOROT_UNIFORM)
                .initializer("pointwise_initializer", Initializer.GLOROT_UNIFORM)
                .initializer("bias_initializer", Initializer.ZEROS)
                .putNull("depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer")
                .constraint("depthwise_constraint", depthwiseConstraint)
                .constraint("pointwise_constraint", pointwiseConstraint).putNull("bias_constraint")
                .recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "separable_conv2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return Shape.image(
                Conv2D.convolvedLength(padding, input.height(), kernelHeight, strideHeight, dilationHeight, this),
                Conv2D.convolvedLength(padding, input.width(), kernelWidth, strideWidth, dilationWidth, this),
                filters);
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        int channels = context.inputShape().channels();
        T x = DepthwiseConv2D.depthwise(ops, input, context.weight("depthwise_kernel"), kernelWidth, channels,
                depthMultiplier, new Ops.Convolution(strideHeight, strideWidth, dilationHeight, dilationWidth,
                        channels, padding));
        x = ops.conv2d(x, context.weight("pointwise_kernel"), Ops.Convolution.of(Padding.VALID));
        if (useBias) {
            x = ops.biasAdd(x, context.weight("bias"));
        }
        return context.activate(activation, x);
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        Layer.requireImage(this, input);
        int depthwiseChannels = Math.multiplyExact(input.channels(), depthMultiplier);
        List<WeightSpec> weights = new ArrayList<>(3);
        weights.add(WeightSpec.trainable("depthwise_kernel", Initializer.GLOROT_UNIFORM, depthwiseConstraint,
                kernelHeight, kernelWidth, input.channels(), depthMultiplier));
        weights.add(WeightSpec.trainable("pointwise_kernel", Initializer.GLOROT_UNIFORM, pointwiseConstraint,
                1, 1, depthwiseChannels, filters));
        if (useBias) {
            weights.add(WeightSpec.trainable("bias", Initializer.ZEROS, Constraint.none(), filters));
        }
        return weights;
    }
}
