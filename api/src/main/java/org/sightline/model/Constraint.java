package org.sightline.model;

import org.sightline.ops.Ops;

/**
 * A constraint applied to a weight after every optimizer step, as Keras's {@code kernel_constraint}.
 * {@link #none()} stands for "no constraint" so that specs never hold null.
 */
public sealed interface Constraint permits MaxNorm, Constraint.None {

    /** The constrained value of {@code weight}, a tensor of {@code shape}. */
    <T> T apply(Ops<T> ops, T weight, int[] shape);

    static Constraint none() {
        return None.INSTANCE;
    }

    /** The absence of a constraint. */
    enum None implements Constraint {
        INSTANCE;

        @Override
        public <T> T apply(Ops<T> ops, T weight, int[] shape) {
            return weight;
        }
    }
}
