package org.sightline.model;

import java.util.List;

/**
 * Its inputs joined along one axis, as Keras's {@code Concatenate}; the other axes must agree. The
 * axis counts the batch axis as Keras does ({@code -1}, the default, is the last: channels of an image).
 */
public record Concatenate(String name, int axis) implements MergeLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Concatenate";

    /** Inputs joined along the last axis by a new, unnamed layer, as {@code layers.Concatenate()(inputs)}. */
    public static SymbolicTensor of(SymbolicTensor... inputs) {
        return new Concatenate(null, -1).apply(inputs);
    }

    @Override
    public Concatenate withName(String newName) {
        return new Concatenate(newName, axis);
    }

    /** Reads Keras's {@code Concatenate} config: a name and an axis. */
    public static Concatenate fromKeras(KerasConfig config, Shape input) {
        return new Concatenate(config.name(), config.integer("axis", -1));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("axis", axis).recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "concatenate";
    }

    /** The axis in one example's shape (without the batch axis) of rank {@code rank}. */
    private int exampleAxis(int rank) {
        int batchAxis = axis < 0 ? rank + 1 + axis : axis;
        if (batchAxis < 1 || batchAxis > rank) {
            throw new IllegalArgumentException("Concatenate '" + name + "': axis " + axis
                    + " is not an axis of an example of rank " + rank + " (the batch axis cannot be joined)");
        }
        return batchAxis - 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("Concatenate '" + name + "' takes at least 2 inputs, got "
                    + inputs.size());
        }
        int rank = inputs.get(0).rank();
        int joined = exampleAxis(rank);
        int[] dims = inputs.get(0).dims();
        for (int i = 1; i < inputs.size(); i++) {
            int[] other = inputs.get(i).dims();
            boolean fits = other.length == rank;
            for (int d = 0; fits && d < rank; d++) {
                fits = d == joined || other[d] == dims[d];
            }
            if (!fits) {
                throw new IllegalArgumentException("Concatenate '" + name + "' joins along axis " + axis
                        + " and needs the other axes equal, got " + inputs);
            }
            dims[joined] += other[joined];
        }
        return Shape.of(dims);
    }

    @Override
    public <T> T call(CallContext<T> context, List<T> inputs) {
        return context.ops().concat(inputs, exampleAxis(context.inputShape().rank()) + 1);
    }
}
