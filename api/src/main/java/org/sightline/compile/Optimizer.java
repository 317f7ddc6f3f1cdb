package org.sightline.compile;

/** An optimizer configuration; backends implement its update rule. */
public sealed interface Optimizer permits Adam {

    /** Keras's name, as in a compiled model's config. */
    String kerasName();
}
