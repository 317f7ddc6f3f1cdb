package org.sightline.model;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tensor of Keras's functional API: a model input ({@link Functional#input}) or a layer applied to
 * such tensors ({@link Layer#apply}). It holds no values, only how it is computed and its shape;
 * {@link Functional#of(String, SymbolicTensor, SymbolicTensor)} turns the graph behind an output into
 * a model.
 */
public final class SymbolicTensor {
    /** Creation order: Keras names layers in the order they are made, so unnamed layers are named by it. */
    private static final AtomicLong CREATED = new AtomicLong();

    private final InputLayer input;
    private final Layer layer;
    private final List<SymbolicTensor> inputs;
    private final Shape shape;
    private final long created = CREATED.getAndIncrement();

    private SymbolicTensor(InputLayer input, Layer layer, List<SymbolicTensor> inputs, Shape shape) {
        this.input = input;
        this.layer = layer;
        this.inputs = inputs;
        this.shape = shape;
    }

    static SymbolicTensor input(InputLayer input) {
        return new SymbolicTensor(Objects.requireNonNull(input, "input"), null, List.of(), input.shape());
    }

    static SymbolicTensor of(Layer layer, List<SymbolicTensor> inputs) {
        Objects.requireNonNull(layer, "layer");
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException(layer.kerasClass() + " '" + layer.name() + "' is applied to no tensor");
        }
        inputs.forEach(t -> Objects.requireNonNull(t, "input tensor"));
        Shape shape = layer.outputShape(inputs.stream().map(SymbolicTensor::shape).toList());
        return new SymbolicTensor(null, layer, List.copyOf(inputs), shape);
    }

    /** The shape of one example. */
    public Shape shape() {
        return shape;
    }

    /** The model input this tensor is, or null if a layer computes it. */
    InputLayer inputLayer() {
        return input;
    }

    /** The layer computing this tensor, or null for a model input. */
    Layer layer() {
        return layer;
    }

    List<SymbolicTensor> inputs() {
        return inputs;
    }

    long created() {
        return created;
    }

    @Override
    public String toString() {
        return (input != null ? "Input '" + input.name() + "'" : layer.kerasClass() + " '" + layer.name() + "'")
                + " " + shape;
    }
}
