package org.sightline.model;

import java.util.List;
import java.util.function.BinaryOperator;

/**
 * A layer combining several inputs of the same shape element by element, as Keras's merge layers
 * ({@code Add}, {@code Multiply}, ...), or along an axis ({@link Concatenate}). Merge layers have no
 * weights and appear only in {@link Functional} models.
 */
public sealed interface MergeLayer extends Layer
        permits Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate {

    @Override
    MergeLayer withName(String name);

    @Override
    default List<WeightSpec> weights(List<Shape> inputs) {
        return List.of();
    }

    /**
     * The shape every input shares, the output shape of an element-wise merge; Keras's merge layers
     * also broadcast size-1 axes, which Sightline refuses rather than guess.
     */
    default Shape commonShape(List<Shape> inputs, int minimum, int maximum) {
        if (inputs.size() < minimum || inputs.size() > maximum) {
            throw new IllegalArgumentException(kerasClass() + " '" + name() + "' takes "
                    + (minimum == maximum ? "exactly " + minimum : "at least " + minimum) + " inputs, got "
                    + inputs.size());
        }
        for (Shape shape : inputs) {
            if (!shape.equals(inputs.get(0))) {
                throw new IllegalArgumentException(kerasClass() + " '" + name()
                        + "' needs inputs of one shape, got " + inputs);
            }
        }
        return inputs.get(0);
    }

    /** {@code inputs} combined left to right by {@code op}: {@code op(op(a, b), c)}. */
    static <T> T fold(List<T> inputs, BinaryOperator<T> op) {
        T result = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            result = op.apply(result, inputs.get(i));
        }
        return result;
    }
}
