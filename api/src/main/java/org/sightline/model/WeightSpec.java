package org.sightline.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One weight of a layer in Keras layout: Conv2D kernel {@code [kh, kw, in, out]}, Dense kernel
 * {@code [in, out]}, biases and batch-norm statistics {@code [channels]}.
 *
 * @param name        the weight's name inside its layer: {@code kernel}, {@code bias}, {@code gamma},
 *                    {@code beta}, {@code moving_mean} or {@code moving_variance}
 * @param shape       its dimensions
 * @param trainable   whether the optimizer updates it (batch-norm moving statistics are not trainable)
 * @param initializer its initial values
 * @param constraint  applied after each optimizer step
 * @param regularizer its penalty, added to the training loss
 */
public record WeightSpec(String name, int[] shape, boolean trainable, Initializer initializer, Constraint constraint,
        Regularizer regularizer) {

    public WeightSpec {
        Objects.requireNonNull(name, "WeightSpec.name");
        Objects.requireNonNull(initializer, "WeightSpec.initializer");
        Objects.requireNonNull(constraint, "WeightSpec.constraint");
        Objects.requireNonNull(regularizer, "WeightSpec.regularizer");
        shape = shape.clone();
        TooManyValuesException.count(shape, "weight '" + name + "' " + Arrays.toString(shape), "values");
    }

    /** A weight without a regularizer. */
    public WeightSpec(String name, int[] shape, boolean trainable, Initializer initializer, Constraint constraint) {
        this(name, shape, trainable, initializer, constraint, Regularizer.none());
    }

    static WeightSpec trainable(String name, Initializer init, Constraint constraint, int... shape) {
        return trainable(name, init, constraint, Regularizer.none(), shape);
    }

    static WeightSpec trainable(String name, Initializer init, Constraint constraint, Regularizer regularizer,
            int... shape) {
        return new WeightSpec(name, shape, true, init, constraint, regularizer);
    }

    static WeightSpec statistic(String name, Initializer init, int... shape) {
        return new WeightSpec(name, shape, false, init, Constraint.none());
    }

    /** This weight held fixed in training: a frozen layer's ({@code trainable: false} in Keras). */
    public WeightSpec frozen() {
        return trainable ? new WeightSpec(name, shape, false, initializer, constraint, regularizer) : this;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of values. */
    public long size() {
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightSpec w && name.equals(w.name) && Arrays.equals(shape, w.shape)
                && trainable == w.trainable && initializer == w.initializer && constraint.equals(w.constraint)
                && regularizer.equals(w.regularizer);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), trainable, initializer, constraint, regularizer);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + (trainable ? "" : " (non-trainable)");
    }
}
