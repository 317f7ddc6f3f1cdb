package org.sightline.model;

/** How a weight starts, with Keras's defaults for each kind of weight. */
public enum Initializer {
    /** Keras's default kernel initializer: uniform in ±sqrt(6 / (fan_in + fan_out)). */
    GLOROT_UNIFORM,
    ZEROS,
    ONES
}
