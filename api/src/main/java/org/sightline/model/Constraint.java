package org.sightline.model;

/**
 * A constraint applied to a weight after every optimizer step, as Keras's {@code kernel_constraint}.
 * {@link #none()} stands for "no constraint" so that specs never hold null.
 */
public sealed interface Constraint permits MaxNorm, Constraint.None {

    static Constraint none() {
        return None.INSTANCE;
    }

    /** The absence of a constraint. */
    enum None implements Constraint {
        INSTANCE
    }
}
