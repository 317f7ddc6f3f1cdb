package org.sightline.model;

import org.sightline.ops.Ops;
import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A 2-D convolution over NHWC images, as Keras's {@code Conv2D}. Kernel {@code [kh, kw, in, filters]},
 * Glorot-uniform initialised; bias zero-initialised.
 *
 * <pre>{@code
 * Conv2D.of(32, 3).withPadding(Padding.SAME)
 * }</pre>
 */
public record Conv2D(String name, int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth,
        Padding padding, ActivationFunction activation, boolean useBias, Constraint kernelConstraint) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Conv2D";
    private static final int KERNEL_RANK = 4;

    public Conv2D {
        checkArgument(filters > 0, "Conv2D.filters must be > 0, got %s", filters);
        checkArgument(kernelHeight > 0 && kernelWidth > 0, "Conv2D.kernel_size must be > 0, got (%s, %s)",
                kernelHeight, kernelWidth);
        checkArgument(strideHeight > 0 && strideWidth > 0, "Conv2D.strides must be > 0, got (%s, %s)",
                strideHeight, strideWidth);
        Objects.requireNonNull(padding, "Conv2D.padding");
        Objects.requireNonNull(activation, "Conv2D.activation");
        Objects.requireNonNull(kernelConstraint, "Conv2D.kernel_constraint");
    }

    /** A square kernel, stride 1, padding 'valid', no activation, with bias: Keras's defaults. */
    public static Conv2D of(int filters, int kernelSize) {
        return new Conv2D(null, filters, kernelSize, kernelSize, 1, 1, Padding.VALID, ActivationFunction.LINEAR, true,
                Constraint.none());
    }

    @Override
    public Conv2D withName(String newName) {
        return new Conv2D(newName, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation,
                useBias, kernelConstraint);
    }

    public Conv2D withPadding(Padding newPadding) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, newPadding, activation,
                useBias, kernelConstraint);
    }

    public Conv2D withStrides(int height, int width) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, height, width, padding, activation, useBias,
                kernelConstraint);
    }

    public Conv2D withActivation(ActivationFunction newActivation) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, newActivation,
                useBias, kernelConstraint);
    }

    public Conv2D withUseBias(boolean newUseBias) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation,
                newUseBias, kernelConstraint);
    }

    public Conv2D withKernelConstraint(Constraint constraint) {
        return new Conv2D(name, filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padding, activation,
                useBias, constraint);
    }

    /**
     * Reads Keras's {@code Conv2D} config; refuses channels_first, dilation and groups, which
     * Sightline does not compute.
     */
    public static Conv2D fromKeras(KerasConfig config, Shape input) {
        int filters = config.integer("filters", null);
        int[] kernel = config.pair("kernel_size", null);
        int[] strides = config.pair("strides", new int[] {1, 1});
        Padding padding = config.padding();
        config.requireChannelsLast();
        int[] dilation = config.pair("dilation_rate", new int[] {1, 1});
        if (dilation[0] != 1 || dilation[1] != 1) {
            throw config.error("dilation_rate (" + dilation[0] + ", " + dilation[1] + ") is not supported");
        }
        int groups = config.integer("groups", 1);
        if (groups != 1) {
            throw config.error("groups = " + groups + " is not supported");
        }
        ActivationFunction activation = config.activation(false);
        boolean useBias = config.bool("use_bias", true);
        config.initializer("kernel_initializer", Initializer.GLOROT_UNIFORM);
        config.initializer("bias_initializer", Initializer.ZEROS);
        Constraint constraint = config.constraint("kernel_constraint", KERNEL_RANK);
        return new Conv2D(config.name(), filters, kernel[0], kernel[1], strides[0], strides[1], padding, activation,
                useBias, constraint);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("filters", filters).pair("kernel_size", kernelHeight, kernelWidth)
                .pair("strides", strideHeight, strideWidth).padding(padding).channelsLast()
                .pair("dilation_rate", 1, 1).put("groups", 1).activation(activation).put("use_bias", useBias)
                .initializer("kernel_initializer", Initializer.GLOROT_UNIFORM)
                .initializer("bias_initializer", Initializer.ZEROS)
                .putNull("kernel_regularizer", "bias_regularizer", "activity_regularizer")
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
        Layer.requireImage(this, input);
        String where = "Conv2D '" + name + "'";
        return Shape.image(padding.outputLength(input.height(), kernelHeight, strideHeight, where),
                padding.outputLength(input.width(), kernelWidth, strideWidth, where), filters);
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        T x = ops.conv2d(input, context.weight("kernel"),
                new Ops.Convolution(strideHeight, strideWidth, 1, 1, 1, padding));
        if (useBias) {
            x = ops.biasAdd(x, context.weight("bias"));
        }
        return context.activate(activation, x);
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        Layer.requireImage(this, input);
        List<WeightSpec> weights = new ArrayList<>(2);
        weights.add(WeightSpec.trainable("kernel", Initializer.GLOROT_UNIFORM, kernelConstraint,
                kernelHeight, kernelWidth, input.channels(), filters));
        if (useBias) {
            weights.add(WeightSpec.trainable("bias", Initializer.ZEROS, Constraint.none(), filters));
        }
        return weights;
    }
}
