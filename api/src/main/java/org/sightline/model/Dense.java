package org.sightline.model;

import org.sightline.ops.Ops;
import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A fully connected layer, as Keras's {@code Dense}: kernel {@code [in, units]} Glorot-uniform
 * initialised, bias zero-initialised. Its input must be flat (put a {@link Flatten} before it). The
 * {@link Regularizer}s of the kernel and the bias add their penalties to the training loss.
 *
 * <pre>{@code
 * Dense.of(256).withKernelConstraint(MaxNorm.of(3))
 * Dense.of(10).withKernelRegularizer(Regularizer.l2(1e-4))
 * }</pre>
 */
public record Dense(String name, int units, ActivationFunction activation, boolean useBias,
        Constraint kernelConstraint, Regularizer kernelRegularizer, Regularizer biasRegularizer)
        implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Dense";
    private static final int KERNEL_RANK = 2;

    public Dense {
        checkArgument(units > 0, "Dense.units must be > 0, got %s", units);
        Objects.requireNonNull(activation, "Dense.activation");
        Objects.requireNonNull(kernelConstraint, "Dense.kernel_constraint");
        Objects.requireNonNull(kernelRegularizer, "Dense.kernel_regularizer");
        Objects.requireNonNull(biasRegularizer, "Dense.bias_regularizer");
    }

    /** No regularizers. */
    public Dense(String name, int units, ActivationFunction activation, boolean useBias, Constraint kernelConstraint) {
        this(name, units, activation, useBias, kernelConstraint, Regularizer.none(), Regularizer.none());
    }

    /** No activation, with bias, no constraint: Keras's defaults. */
    public static Dense of(int units) {
        return new Dense(null, units, ActivationFunction.LINEAR, true, Constraint.none());
    }

    @Override
    public Dense withName(String newName) {
        return new Dense(newName, units, activation, useBias, kernelConstraint, kernelRegularizer, biasRegularizer);
    }

    public Dense withActivation(ActivationFunction newActivation) {
        return new Dense(name, units, newActivation, useBias, kernelConstraint, kernelRegularizer, biasRegularizer);
    }

    public Dense withUseBias(boolean newUseBias) {
        return new Dense(name, units, activation, newUseBias, kernelConstraint, kernelRegularizer, biasRegularizer);
    }

    public Dense withKernelConstraint(Constraint constraint) {
        return new Dense(name, units, activation, useBias, constraint, kernelRegularizer, biasRegularizer);
    }

    /** Keras's {@code kernel_regularizer}: its penalty is added to the training loss. */
    public Dense withKernelRegularizer(Regularizer regularizer) {
        return new Dense(name, units, activation, useBias, kernelConstraint, regularizer, biasRegularizer);
    }

    /** Keras's {@code bias_regularizer}: its penalty is added to the training loss. */
    public Dense withBiasRegularizer(Regularizer regularizer) {
        return new Dense(name, units, activation, useBias, kernelConstraint, kernelRegularizer, regularizer);
    }

    /** Reads Keras's {@code Dense} config. */
    public static Dense fromKeras(KerasConfig config, Shape input) {
        int units = config.integer("units", null);
        ActivationFunction activation = config.activation(false);
        boolean useBias = config.bool("use_bias", true);
        config.initializer("kernel_initializer", Initializer.GLOROT_UNIFORM);
        config.initializer("bias_initializer", Initializer.ZEROS);
        Regularizer kernelRegularizer = config.regularizer("kernel_regularizer");
        Regularizer biasRegularizer = config.regularizer("bias_regularizer");
        Constraint constraint = config.constraint("kernel_constraint", KERNEL_RANK);
        return new Dense(config.name(), units, activation, useBias, constraint, kernelRegularizer, biasRegularizer);
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("units", units).activation(activation).put("use_bias", useBias)
                .initializer("kernel_initializer", Initializer.GLOROT_UNIFORM)
                .initializer("bias_initializer", Initializer.ZEROS)
                .regularizer("kernel_regularizer", kernelRegularizer)
                .regularizer("bias_regularizer", biasRegularizer)
                .constraint("kernel_constraint", kernelConstraint).putNull("bias_constraint")
                .recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "dense";
    }

    @Override
    public Shape outputShape(Shape input) {
        requireFlat(input);
        return Shape.of(units);
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        T x = ops.matmul(input, context.weight("kernel"));
        if (useBias) {
            x = ops.biasAdd(x, context.weight("bias"));
        }
        return context.activate(activation, x);
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        requireFlat(input);
        List<WeightSpec> weights = new ArrayList<>(2);
        weights.add(WeightSpec.trainable("kernel", Initializer.GLOROT_UNIFORM, kernelConstraint, kernelRegularizer,
                input.dim(0), units));
        if (useBias) {
            weights.add(WeightSpec.trainable("bias", Initializer.ZEROS, Constraint.none(), biasRegularizer, units));
        }
        return weights;
    }

    private void requireFlat(Shape input) {
        if (input.rank() != 1) {
            throw new IllegalArgumentException("Dense '" + name + "' needs a flat input (units), got " + input
                    + "; add a Flatten layer before it");
        }
    }
}
