package org.sightline.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.sightline.ops.Ops;

/**
 * A stack of layers with one input and one output, as Keras's {@code Sequential}: an immutable,
 * validated model definition. Construction infers every layer's output shape, so a misfit layer
 * fails here with its name, not later inside a backend. Layers without a name get Keras's automatic
 * names ({@code conv2d}, {@code conv2d_1}, …).
 *
 * <pre>{@code
 * Sequential model = Sequential.builder(Shape.image(28, 28, 1))
 *         .add(Conv2D.of(32, 3).withActivation(ActivationFunction.RELU))
 *         .add(Flatten.of())
 *         .add(Dense.of(10).withActivation(ActivationFunction.SOFTMAX))
 *         .build();
 * System.out.println(model.summary());
 * }</pre>
 */
public final class Sequential implements Network {
    /** Keras's default model name. */
    public static final String DEFAULT_NAME = "sequential";

    private final String name;
    private final Shape inputShape;
    private final List<Layer> layers;
    private final List<Shape> outputShapes;
    private final List<ModelWeight> weights;
    private final Set<String> frozen;

    private Sequential(String name, Shape inputShape, List<Layer> userLayers) {
        this(name, inputShape, userLayers, Set.of());
    }

    private Sequential(String name, Shape inputShape, List<Layer> userLayers, Set<String> frozenLayers) {
        this.name = Objects.requireNonNull(name, "Sequential.name");
        this.inputShape = Objects.requireNonNull(inputShape, "Sequential.input_shape");
        if (userLayers.isEmpty()) {
            throw new IllegalArgumentException("Sequential '" + name + "' needs at least one layer");
        }
        this.layers = List.copyOf(LayerNames.assign(userLayers));
        this.frozen = LayerNames.frozen(name, layers, frozenLayers);
        List<Shape> shapes = new ArrayList<>(layers.size());
        List<ModelWeight> allWeights = new ArrayList<>();
        Shape current = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            try {
                for (WeightSpec spec : layer.weights(List.of(current))) {
                    allWeights.add(new ModelWeight(layer.name(), i, frozen.contains(layer.name()) ? spec.frozen() : spec));
                }
                current = layer.outputShape(List.of(current));
            } catch (TooManyValuesException e) {
                // The shape arithmetic does not know which layer asked for it.
                throw new IllegalArgumentException(layer.kerasClass() + " '" + layer.name() + "' (layer " + i + "): "
                        + e.getMessage(), e);
            }
            shapes.add(current);
        }
        this.outputShapes = List.copyOf(shapes);
        this.weights = List.copyOf(allWeights);
    }

    public static Sequential of(String name, Shape inputShape, List<? extends Layer> layers) {
        return new Sequential(name, inputShape, List.copyOf(layers));
    }

    public static Sequential of(Shape inputShape, Layer... layers) {
        return new Sequential(DEFAULT_NAME, inputShape, List.of(layers));
    }

    /** This model with the layers {@code names} frozen, as Keras's {@code layer.trainable = False}. */
    public Sequential withFrozen(Set<String> names) {
        return new Sequential(name, inputShape, layers, names);
    }

    @Override
    public Set<String> frozenLayers() {
        return frozen;
    }

    public static Builder builder(Shape inputShape) {
        return new Builder(inputShape);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    /**
     * The model applied to {@code input}, a batch of {@link #inputShape()} examples, over a backend's
     * operations: each layer's {@link Layer#call} in turn. In training mode dropout is on and batch-norm
     * uses, and updates, the batch's statistics.
     */
    @Override
    public <T> ModelOutput<T> call(Ops<T> ops, T input, boolean training) {
        Map<T, T> logitsOfSoftmax = new IdentityHashMap<>();
        T x = input;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            x = layer.call(new CallContext<>(ops, training, frozen.contains(layer.name()), layer, i,
                    List.of(inputShape(i)), logitsOfSoftmax),
                    List.of(x));
        }
        return new ModelOutput<>(x, Optional.ofNullable(logitsOfSoftmax.get(x)));
    }

    /** The layers, each with its resolved name. */
    @Override
    public List<Layer> layers() {
        return layers;
    }

    /** The output shape of layer {@code index}. */
    public Shape outputShape(int index) {
        return outputShapes.get(index);
    }

    /** The input shape of layer {@code index}. */
    public Shape inputShape(int index) {
        return index == 0 ? inputShape : outputShapes.get(index - 1);
    }

    @Override
    public Shape outputShape() {
        return outputShapes.get(outputShapes.size() - 1);
    }

    /** Every weight of the model in Keras order. */
    @Override
    public List<ModelWeight> weights() {
        return weights;
    }

    /** Keras's {@code model.summary()} table. */
    @Override
    public String summary() {
        return ModelSummary.render(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sequential s && name.equals(s.name) && inputShape.equals(s.inputShape)
                && layers.equals(s.layers) && frozen.equals(s.frozen);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, inputShape, layers, frozen);
    }

    @Override
    public String toString() {
        return "Sequential[" + name + ", input " + inputShape + ", " + layers.size() + " layers]";
    }

    /** Adds layers in order, as Keras's {@code model.add(...)}. */
    public static final class Builder {
        private final Shape inputShape;
        private final List<Layer> layers = new ArrayList<>();
        private String name = DEFAULT_NAME;

        private Builder(Shape inputShape) {
            this.inputShape = inputShape;
        }

        public Builder name(String modelName) {
            this.name = modelName;
            return this;
        }

        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        public Sequential build() {
            return new Sequential(name, inputShape, Collections.unmodifiableList(layers));
        }
    }
}
