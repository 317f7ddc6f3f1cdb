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
        Padding padding, ActivationFunction activation, boolean useBias, Constraint kernelConstraint) implements Layer {

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

    @Override
    public String kerasClass() {
        return "Conv2D";
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
