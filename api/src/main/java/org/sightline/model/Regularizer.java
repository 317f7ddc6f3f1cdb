package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import org.sightline.ops.Ops;

/**
 * A weight penalty added to the training loss, as Keras's {@code kernel_regularizer} and
 * {@code bias_regularizer}: {@code l1 * sum(|w|) + l2 * sum(w²)} over the whole weight. Keras's
 * {@code L1}, {@code L2} and {@code L1L2} are all this one value; {@link #none()} (both factors 0)
 * stands for "no regularizer" so that specs never hold null.
 *
 * <pre>{@code
 * Conv2D.of(16, 3).withKernelRegularizer(Regularizer.l2(1e-4))
 * }</pre>
 *
 * @param l1 the factor of the sum of absolute values, >= 0
 * @param l2 the factor of the sum of squares, >= 0
 */
public record Regularizer(double l1, double l2) {
    private static final Regularizer NONE = new Regularizer(0, 0);

    public Regularizer {
        checkArgument(l1 >= 0 && !Double.isInfinite(l1), "Regularizer.l1 must be a finite number >= 0, got %s", l1);
        checkArgument(l2 >= 0 && !Double.isInfinite(l2), "Regularizer.l2 must be a finite number >= 0, got %s", l2);
    }

    /** No penalty. */
    public static Regularizer none() {
        return NONE;
    }

    /** Keras's {@code L1(factor)}. */
    public static Regularizer l1(double factor) {
        return new Regularizer(factor, 0);
    }

    /** Keras's {@code L2(factor)}. */
    public static Regularizer l2(double factor) {
        return new Regularizer(0, factor);
    }

    /** Whether the penalty is always zero. */
    public boolean isNone() {
        return l1 == 0 && l2 == 0;
    }

    /**
     * The penalty of {@code weight}, a tensor of {@code shape}, as a scalar. Only the nonzero terms
     * are built, as Keras does; {@link #none()} gives the constant 0.
     */
    public <T> T penalty(Ops<T> ops, T weight, int[] shape) {
        if (isNone()) {
            return ops.constant(0f);
        }
        int[] all = new int[shape.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        T penalty = null;
        if (l1 != 0) {
            // |w| as relu(w) + relu(-w): its gradient at 0 is 0, Keras's sign(0), on every backend.
            T absolute = ops.add(ops.relu(weight), ops.relu(ops.negative(weight)));
            penalty = ops.multiply(ops.constant((float) l1), ops.sum(absolute, all, false));
        }
        if (l2 != 0) {
            T squares = ops.multiply(ops.constant((float) l2), ops.sum(ops.square(weight), all, false));
            penalty = penalty == null ? squares : ops.add(penalty, squares);
        }
        return penalty;
    }
}
