package org.sightline.model;

import org.sightline.ops.Ops;
import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A 2-D convolution over NHWC images, as Keras's {@code Conv2D}. Kernel {@code [kh, kw, in / groups,
 * filters]}, Glorot-uniform initialised; bias zero-initialised. With {@code groups} > 1 the input and
 * output channels are split into that many groups, output group {@code g} seeing only input group
 * {@code g}; with a dilation rate > 1 the kernel's taps are that many pixels apart. As in Keras, a
 * dilation rate > 1 cannot go with strides > 1. The {@link Regularizer}s of the kernel and the bias add
 * their penalties to the training loss.
 *
 * <pre>{@code
 * Conv2D.of(32, 3).withPadding(Padding.SAME)
 * Conv2D.of(64, 3).withDilation(2, 2).withGroups(4)
 * Conv2D.of(16, 3).withKernelRegularizer(Regularizer.l2(1e-4))
 * }</pre>
 */
public record Conv2D(String name, int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        int dilationHeight, int dilationWidth, int groups, Padding padding, ActivationFunction activation,
        boolean useBias, Constraint kernelConstraint, Regularizer kernelRegularizer, Regularizer biasRegularizer)
        implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Conv2D";
    private static final int KERNEL_RANK = 4;

    public Conv2D {
        checkArgument(filters > 0, "Conv2D.filters must be > 0, got %s", filters);
        checkArgument(kernelHeight > 0 && kernelWidth > 0, "Conv2D.kernel_size must be > 0, got (%s, %s)",
                kernelHeight, kernelWidth);
        checkArgument(strideHeight > 0 && strideWidth > 0, "Conv2D.strides must be > 0, got (%s, %s)",
                strideHeight, strideWidth);
        checkDilation("Conv2D", strideHeight, strideWidth, dilationHeight, dilationWidth);
        checkArgument(groups > 0, "Conv2D.groups must be > 0, got %s", groups);
        checkArgument(filters % groups == 0, "Conv2D.filters (%s) must be divisible by groups (%s)", filters, groups);
        Objects.requireNonNull(padding, "Conv2D.padding");
        Objects.requireNonNull(activation, "Conv2D.activation");
        Objects.requireNonNull(kernelConstraint, "Conv2D.kernel_constraint");
        Objects.requireNonNull(kernelRegularizer, "Conv2D.kernel_regularizer");
        Objects.requireNonNull(biasRegularizer, "Conv2D.bias_regularizer");
    }

    /** No regularizers. */
    public Conv2D(String name, int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
            int dilationHeight, int dilationWidth, int groups, Padding padding, ActivationFunction activation,
            boolean useBias, Constraint kernelConstraint) {
        this(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth,
                groups, padding, activation, useBias, kernelConstraint, Regularizer.none(), Regularizer.none());
    }

    /** No dilation, one group, no regularizers. */
    public Conv2D(String name, int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
            Padding padding, ActivationFunction activation, boolean useBias, Constraint kernelConstraint) {
        this(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, 1, 1, 1, padding, activation,
                useBias, kernelConstraint);
    }

    /** A square kernel, stride 1, padding 'valid', no activation, with bias: Keras's defaults. */
    public static Conv2D of(int filters, int kernelSize) {
        return new Conv2D(null, filters, kernelSize, kernelSize, 1, 1, Padding.VALID, ActivationFunction.LINEAR, true,
                Constraint.none());
    }

    @Override
    public Conv2D withName(String newName) {
        return new Conv2D(newName, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, groups, padding, activation, useBias, kernelConstraint, kernelRegularizer,
                biasRegularizer);
    }

    public Conv2D withPadding(Padding newPadding) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, groups, newPadding, activation, useBias, kernelConstraint, kernelRegularizer,
                biasRegularizer);
    }

    public Conv2D withStrides(int height, int width) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, height, width, dilationHeight, dilationWidth,
                groups, padding, activation, useBias, kernelConstraint, kernelRegularizer, biasRegularizer);
    }

    /** Keras's {@code dilation_rate}: kernel taps {@code height} rows and {@code width} columns apart. */
    public Conv2D withDilation(int height, int width) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, height, width, groups,
                padding, activation, useBias, kernelConstraint, kernelRegularizer, biasRegularizer);
    }

    /** Keras's {@code groups}: filters and input channels must both be divisible by it. */
    public Conv2D withGroups(int newGroups) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, newGroups, padding, activation, useBias, kernelConstraint, kernelRegularizer,
                biasRegularizer);
    }

    public Conv2D withActivation(ActivationFunction newActivation) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, groups, padding, newActivation, useBias, kernelConstraint, kernelRegularizer,
                biasRegularizer);
    }

    public Conv2D withUseBias(boolean newUseBias) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, groups, padding, activation, newUseBias, kernelConstraint,
                kernelRegularizer, biasRegularizer);
    }

    public Conv2D withKernelConstraint(Constraint constraint) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, groups, padding, activation, useBias, constraint, kernelRegularizer,
                biasRegularizer);
    }

    /** Keras's {@code kernel_regularizer}: its penalty is added to the training loss. */
    public Conv2D withKernelRegularizer(Regularizer regularizer) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, groups, padding, activation, useBias, kernelConstraint, regularizer,
                biasRegularizer);
    }

    /** Keras's {@code bias_regularizer}: its penalty is added to the training loss. */
    public Conv2D withBiasRegularizer(Regularizer regularizer) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
                dilationWidth, groups, padding, activation, useBias, kernelConstraint, kernelRegularizer,
                regularizer);
    }

    /**
     * Reads Keras's {@code Conv2D} config; refuses channels_first, which Sightline does not compute. Keras
     * before 2.3 wrote no {@code groups}.
     */
    public static Conv2D fromKeras(KerasConfig config, Shape input) {
        int filters = config.integer("filters", null);
        int[] kernel = config.pair("kernel_size", null);
        int[] strides = config.pair("strides", new int[] {1, 1});
        Padding padding = config.padding();
        config.requireChannelsLast();
        int[] dilation = config.pair("dilation_rate", new int[] {1, 1});
        int groups = config.integer("groups", 1);
        ActivationFunction activation = config.activation(false);
        boolean useBias = config.bool("use_bias", true);
        config.initializer("kernel_initializer", Initializer.GLOROT_UNIFORM);
        config.initializer("bias_initializer", Initializer.ZEROS);
        Regularizer kernelRegularizer = config.regularizer("kernel_regularizer");
        Regularizer biasRegularizer = config.regularizer("bias_regularizer");
        Constraint constraint = config.constraint("kernel_constraint", KERNEL_RANK);
        return new Conv2D(config.name(), filters, kernel[0], kernel[1], strides[0], strides[1], dilation[0],
                dilation[1], groups, padding, activation, useBias, constraint, kernelRegularizer, biasRegularizer);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("filters", filters).pair("kernel_size", kernelHeight, kernelWidth)
                .pair("strides", strideHeight, strideWidth).padding(padding).channelsLast()
                .pair("dilation_rate", dilationHeight, dilationWidth).put("groups", groups).activation(activation)
                .put("use_bias", useBias)
                .initializer("kernel_initializer", Initializer.GLOROT_UNIFORM)
                .initializer("bias_initializer", Initializer.ZEROS)
                .regularizer("kernel_regularizer", kernelRegularizer)
                .regularizer("bias_regularizer", biasRegularizer).putNull("activity_regularizer")
                .constraint("kernel_constraint", kernelConstraint).putNull("bias_constraint")
                .recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "conv2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        requireGroupedChannels(input);
        return Shape.image(convolvedLength(padding, input.height(), kernelHeight, strideHeight, dilationHeight, this),
                convolvedLength(padding, input.width(), kernelWidth, strideWidth, dilationWidth, this), filters);
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        T x = ops.conv2d(input, context.weight("kernel"), new Ops.Convolution(strideHeight, strideWidth,
                dilationHeight, dilationWidth, groups, padding));
        if (useBias) {
            x = ops.biasAdd(x, context.weight("bias"));
        }
        return context.activate(activation, x);
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        requireGroupedChannels(input);
        List<WeightSpec> weights = new ArrayList<>(2);
        weights.add(WeightSpec.trainable("kernel", Initializer.GLOROT_UNIFORM, kernelConstraint, kernelRegularizer,
                kernelHeight, kernelWidth, input.channels() / groups, filters));
        if (useBias) {
            weights.add(WeightSpec.trainable("bias", Initializer.ZEROS, Constraint.none(), biasRegularizer, filters));
        }
        return weights;
    }

    private void requireGroupedChannels(Shape input) {
        Layer.requireImage(this, input);
        if (input.channels() % groups != 0) {
            throw new IllegalArgumentException("Conv2D '" + name + "': input channels (" + input.channels()
                    + ") must be divisible by groups (" + groups + ")");
        }
    }

    /** Keras refuses dilation rates > 1 together with strides > 1 in every convolution layer. */
    static void checkDilation(String layer, int strideHeight, int strideWidth, int dilationHeight,
            int dilationWidth) {
        checkArgument(dilationHeight > 0 && dilationWidth > 0, "%s.dilation_rate must be > 0, got (%s, %s)", layer,
                dilationHeight, dilationWidth);
        checkArgument(Math.max(dilationHeight, dilationWidth) == 1 || Math.max(strideHeight, strideWidth) == 1,
                "%s.dilation_rate (%s, %s) > 1 cannot go with strides (%s, %s) > 1, as in Keras", layer,
                dilationHeight, dilationWidth, strideHeight, strideWidth);
    }

    /** The output length of a convolution: a dilated kernel covers {@code (size - 1) * dilation + 1} pixels. */
    static int convolvedLength(Padding padding, int input, int kernel, int stride, int dilation, Layer layer) {
        return padding.outputLength(input, (kernel - 1) * dilation + 1, stride,
                layer.kerasClass() + " '" + layer.name() + "'");
    }
}
