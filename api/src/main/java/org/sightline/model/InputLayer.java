package org.sightline.model;

import java.util.Objects;

/**
 * An input of a {@link Functional} model, as Keras's {@code InputLayer} ({@code keras.Input}): a name
 * and the shape of one example. It computes nothing and has no weights.
 */
public record InputLayer(String name, Shape shape) {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "InputLayer";
    /** The prefix of Keras 3's automatic input names: {@code input_layer}, {@code input_layer_1}, ... */
    public static final String NAME_PREFIX = "input_layer";

    public InputLayer {
        Objects.requireNonNull(shape, "InputLayer.shape");
    }

    public InputLayer withName(String newName) {
        return new InputLayer(newName, shape);
    }
}
