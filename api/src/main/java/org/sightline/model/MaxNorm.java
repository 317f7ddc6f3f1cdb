package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.primitives.Ints;
import java.util.Arrays;
import org.sightline.ops.Ops;

/**
 * Keras's {@code MaxNorm}: after each step, every weight slice whose L2 norm over {@code axes}
 * exceeds {@code maxValue} is scaled back to it. With the default axis 0 on a Dense kernel
 * {@code [in, out]} this bounds the incoming weight vector of each output unit; for a Conv2D kernel
 * {@code [kh, kw, in, out]} Keras recommends axes {@code [0, 1, 2]}.
 *
 * <pre>{@code
 * new Dense(256).withKernelConstraint(MaxNorm.of(3))
 * }</pre>
 *
 * @param maxValue the largest norm allowed, > 0
 * @param axes     kernel axes the norm is computed over
 */
public record MaxNorm(double maxValue, int[] axes) implements Constraint {

    public MaxNorm {
        checkArgument(maxValue > 0 && !Double.isInfinite(maxValue),
                "MaxNorm.max_value must be a finite number > 0, got %s", maxValue);
        checkArgument(axes != null && axes.length > 0, "MaxNorm.axis must name at least one axis, got %s",
                Arrays.toString(axes));
        checkArgument(Ints.min(axes) >= 0, "MaxNorm.axis must be >= 0, got %s", Arrays.toString(axes));
        axes = axes.clone();
    }

    /** Keras's {@code max_norm(value)}: axis 0. */
    public static MaxNorm of(double maxValue) {
        return new MaxNorm(maxValue, new int[] {0});
    }

    /** Keras: {@code w * clip(norm, 0, max) / (epsilon + norm)}, the norm over {@link #axes}. */
    @Override
    public <T> T apply(Ops<T> ops, T weight, int[] shape) {
        for (int axis : axes) {
            checkArgument(axis < shape.length, "MaxNorm.axis %s is out of range for a weight of shape %s", axis,
                    Arrays.toString(shape));
        }
        T norms = ops.sqrt(ops.sum(ops.square(weight), axes, true));
        // Norms are never negative, so clipping to [0, max] is a minimum.
        T desired = ops.minimum(norms, ops.constant((float) maxValue));
        return ops.multiply(weight, ops.divide(desired, ops.add(ops.constant(Ops.EPSILON), norms)));
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaxNorm other && maxValue == other.maxValue && Arrays.equals(axes, other.axes);
    }

    @Override
    public int hashCode() {
        return Double.hashCode(maxValue) * 31 + Arrays.hashCode(axes);
    }

    @Override
    public String toString() {
        return "MaxNorm[maxValue=" + maxValue + ", axes=" + Arrays.toString(axes) + "]";
    }
}
