package org.sightline.compile;

import java.util.List;
import java.util.Map;
import org.sightline.ops.Ops;

/**
 * An optimizer, written once over {@link Ops} as Keras 3's {@code update_step}: its per-weight slots
 * (variables named {@code <weight>/<slot>}, see {@link OptimizerState}), the scalars that change from
 * step to step, computed here in Java, and the update rule.
 */
public sealed interface Optimizer permits Adam, Sgd {

    /** Keras's name, as in a compiled model's config. */
    String kerasName();

    /** The initial learning rate. */
    double learningRate();

    /** How the learning rate changes with the step. */
    LearningRateSchedule schedule();

    /** The names of the slots each trainable weight has, e.g. {@code m} and {@code v} for Adam. */
    List<String> slots();

    /**
     * The scalars of the step taken after {@code iterations} steps, by the names {@link #update} reads
     * them with through {@link Ops#hyperparameter}.
     */
    Map<String, Float> hyperparameters(long iterations);

    /**
     * The value of {@code weight} (variable {@code name}) after one step with {@code gradient}; assigns
     * the weight's slots through {@code ops}.
     */
    <T> T update(Ops<T> ops, String name, T weight, T gradient);
}
