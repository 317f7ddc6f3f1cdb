package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.sightline.ops.Ops;

/**
 * Keras's {@code DepthwiseConv2D}: each input channel convolved on its own with {@code depthMultiplier}
 * kernels, output channel {@code c * depthMultiplier + m} coming from input channel {@code c} and kernel
 * {@code m}, as Keras orders them. Kernel {@code depthwise_kernel [kh, kw, in, depthMultiplier]},
 * Glorot-uniform initialised; bias {@code [in * depthMultiplier]} zero-initialised.
 *
 * <p>Keras 3 names the kernel variable {@code kernel}, Keras 2 {@code depthwise_kernel}; Sightline uses
 * Keras 2's name, which is the one a Keras 2 weights file holds (Keras 3's files store variables by
 * position) and the one {@link SeparableConv2D} shares in both.
 *
 * <pre>{@code
 * DepthwiseConv2D.of(3).withPadding(Padding.SAME).withDepthMultiplier(2)
 * }</pre>
 */
public record DepthwiseConv2D(String name, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int dilationHeight, int dilationWidth, int depthMultiplier, Padding padding, ActivationFunction activation,
        boolean useBias, Constraint depthwiseConstraint) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "DepthwiseConv2D";
    private static final int KERNEL_RANK = 4;

    public DepthwiseConv2D {
        checkArgument(kernelHeight > 0 && kernelWidth > 0, "DepthwiseConv2D.kernel_size must be > 0, got (%s, %s)",
                kernelHeight, kernelWidth);
        checkArgument(strideHeight > 0 && strideWidth > 0, "DepthwiseConv2D.strides must be > 0, got (%s, %s)",
                strideHeight, strideWidth);
        Conv2D.checkDilation("DepthwiseConv2D", strideHeight, strideWidth, dilationHeight, dilationWidth);
        checkArgument(depthMultiplier > 0, "DepthwiseConv2D.depth_multiplier must be > 0, got %s", depthMultiplier);
        Objects.requireNonNull(padding, "DepthwiseConv2D.padding");
        Objects.requireNonNull(activation, "DepthwiseConv2D.activation");
        Objects.requireNonNull(depthwiseConstraint, "DepthwiseConv2D.depthwise_constraint");
    }

    /** A square kernel, stride 1, no dilation, multiplier 1, padding 'valid', no activation, with bias. */
    public static DepthwiseConv2D of(int kernelSize) {
        return new DepthwiseConv2D(null, kernelSize, kernelSize, 1, 1, 1, 1, 1, Padding.VALID,
                ActivationFunction.LINEAR, true, Constraint.none());
    }

    @Override
    public DepthwiseConv2D withName(String newName) {
        return new DepthwiseConv2D(newName, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, depthMultiplier, padding, activation, useBias, depthwiseConstraint);
    }

    public DepthwiseConv2D withPadding(Padding newPadding) {
        return new DepthwiseConv2D(name, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, depthMultiplier, newPadding, activation, useBias, depthwiseConstraint);
    }

    public DepthwiseConv2D withStrides(int height, int width) {
        return new DepthwiseConv2D(name, kernelHeight, kernelWidth, height, width, dilationHeight, dilationWidth,
                depthMultiplier, padding, activation, useBias, depthwiseConstraint);
    }

    public DepthwiseConv2D withDilation(int height, int width) {
        return new DepthwiseConv2D(name, kernelHeight, kernelWidth, strideHeight, strideWidth, height, width,
                depthMultiplier, padding, activation, useBias, depthwiseConstraint);
    }

    public DepthwiseConv2D withDepthMultiplier(int multiplier) {
        return new DepthwiseConv2D(name, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, multiplier, padding, activation, useBias, depthwiseConstraint);
    }

    public DepthwiseConv2D withActivation(ActivationFunction newActivation) {
        return new DepthwiseConv2D(name, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, depthMultiplier, padding, newActivation, useBias, depthwiseConstraint);
    }

    public DepthwiseConv2D withUseBias(boolean newUseBias) {
        return new DepthwiseConv2D(name, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, depthMultiplier, padding, activation, newUseBias, depthwiseConstraint);
    }

    public DepthwiseConv2D withDepthwiseConstraint(Constraint constraint) {
        return new DepthwiseConv2D(name, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, depthMultiplier, padding, activation, useBias, constraint);
    }

    /**
     * Reads Keras's {@code DepthwiseConv2D} config. Keras 2's layer extended {@code Conv2D} and still
     * wrote its {@code groups}, always 1.
     */
    public static DepthwiseConv2D fromKeras(KerasConfig config, Shape input) {
        int multiplier = config.integer("depth_multiplier", 1);
        int[] kernel = config.pair("kernel_size", null);
        int[] strides = config.pair("strides", new int[] {1, 1});
        Padding padding = config.padding();
        config.requireChannelsLast();
        int[] dilation = config.pair("dilation_rate", new int[] {1, 1});
        int groups = config.integer("groups", 1);
        if (groups != 1) {
            throw config.error("groups = " + groups + " is not supported; DepthwiseConv2D's groups are its channels");
        }
        ActivationFunction activation = config.activation(false);
        boolean useBias = config.bool("use_bias", true);
        config.initializer("depthwise_initializer", Initializer.GLOROT_UNIFORM);
        config.initializer("bias_initializer", Initializer.ZEROS);
        Constraint constraint = config.constraint("depthwise_constraint", KERNEL_RANK);
        return new DepthwiseConv2D(config.name(), kernel[0], kernel[1], strides[0], strides[1], dilation[0],
                dilation[1], multiplier, padding, activation, useBias, constraint);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("depth_multiplier", depthMultiplier).pair("kernel_size", kernelHeight, kernelWidth)
                .pair("strides", strideHeight, strideWidth).padding(padding).channelsLast()
                .pair("dilation_rate", dilationHeight, dilationWidth).activation(activation).put("use_bias", useBias)
                .initializer("depthwise_initializer", Initializer.GLOROT_UNIFORM)
                .initializer("bias_initializer", Initializer.ZEROS)
                .putNull("depthwise_regularizer", "bias_regularizer", "activity_regularizer")
                .constraint("depthwise_constraint", depthwiseConstraint).putNull("bias_constraint")
                .recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "depthwise_conv2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return Shape.image(
                Conv2D.convolvedLength(padding, input.height(), kernelHeight, strideHeight, dilationHeight, this),
                Conv2D.convolvedLength(padding, input.width(), kernelWidth, strideWidth, dilationWidth, this),
                Math.multiplyExact(input.channels(), depthMultiplier));
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        int channels = context.inputShape().channels();
        T x = depthwise(ops, input, context.weight("depthwise_kernel"), kernelWidth, channels, depthMultiplier,
                new Ops.Convolution(strideHeight, strideWidth, dilationHeight, dilationWidth, channels, padding));
        if (useBias) {
            x = ops.biasAdd(x, context.weight("bias"));
        }
        return context.activate(activation, x);
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        Layer.requireImage(this, input);
        List<WeightSpec> weights = new ArrayList<>(2);
        weights.add(WeightSpec.trainable("depthwise_kernel", Initializer.GLOROT_UNIFORM, depthwiseConstraint,
                kernelHeight, kernelWidth, input.channels(), depthMultiplier));
        if (useBias) {
            weights.add(WeightSpec.trainable("bias", Initializer.ZEROS, Constraint.none(),
                    input.channels() * depthMultiplier));
        }
        return weights;
    }

    /**
     * The depthwise convolution as a convolution with one group per input channel. The kernel
     * {@code [kh, kw, in, multiplier]} read row-major as {@code [kh, kw, 1, in * multiplier]} puts kernel
     * {@code m} of channel {@code c} at output channel {@code c * multiplier + m}, inside group {@code c}:
     * Keras's order.
     */
    static <T> T depthwise(Ops<T> ops, T input, T kernel, int kernelWidth, int channels, int multiplier,
            Ops.Convolution convolution) {
        // reshape keeps axis 0 as it keeps a batch: here the kernel's height.
        return ops.conv2d(input, ops.reshape(kernel, kernelWidth, 1, channels * multiplier), convolution);
    }
}
