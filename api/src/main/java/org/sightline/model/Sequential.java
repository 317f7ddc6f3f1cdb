package org.sightline.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
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
public final class Sequential {
    /** Keras's default model name. */
    public static final String DEFAULT_NAME = "sequential";

    private final String name;
    private final Shape inputShape;
    private final List<Layer> layers;
    private final List<Shape> outputShapes;
    private final List<ModelWeight> weights;

    private Sequential(String name, Shape inputShape, List<Layer> userLayers) {
        this.name = Objects.requireNonNull(name, "Sequential.name");
        this.inputShape = Objects.requireNonNull(inputShape, "Sequential.input_shape");
        if (userLayers.isEmpty()) {
            throw new IllegalArgumentException("Sequential '" + name + "' needs at least one layer");
        }
        this.layers = List.copyOf(nameLayers(userLayers));
        List<Shape> shapes = new ArrayList<>(layers.size());
        List<ModelWeight> allWeights = new ArrayList<>();
        Shape current = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            try {
                for (WeightSpec spec : layer.weights(current)) {
                    allWeights.add(new ModelWeight(layer.name(), i, spec));
                }
                current = layer.outputShape(current);
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

    public static Builder builder(Shape inputShape) {
        return new Builder(inputShape);
    }

    /** Gives unnamed layers Keras's automatic names, skipping names the user already took. */
    private static List<Layer> nameLayers(List<Layer> userLayers) {
        Set<String> taken = new HashSet<>();
        for (Layer layer : userLayers) {
            Objects.requireNonNull(layer, "Sequential layer");
            if (layer.name() != null && !taken.add(layer.name())) {
                throw new IllegalArgumentException("Layer name '" + layer.name() + "' is used twice");
            }
        }
        Map<String, Integer> counters = new HashMap<>();
        List<Layer> named = new ArrayList<>(userLayers.size());
        for (Layer layer : userLayers) {
            if (layer.name() != null) {
                named.add(layer);
                continue;
            }
            String candidate;
            do {
                int n = counters.merge(layer.namePrefix(), 1, Integer::sum) - 1;
                candidate = n == 0 ? layer.namePrefix() : layer.namePrefix() + "_" + n;
            } while (!taken.add(candidate));
            named.add(layer.withName(candidate));
        }
        return named;
    }

    public String name() {
        return name;
    }

    public Shape inputShape() {
        return inputShape;
    }

    /**
     * The model applied to {@code input}, a batch of {@link #inputShape()} examples, over a backend's
     * operations: each layer's {@link Layer#call} in turn. In training mode dropout is on and batch-norm
     * uses, and updates, the batch's statistics.
     */
    public <T> ModelOutput<T> call(Ops<T> ops, T input, boolean training) {
        Map<T, T> logitsOfSoftmax = new IdentityHashMap<>();
        T x = input;
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).call(new CallContext<>(ops, training, layers.get(i), i, inputShape(i), logitsOfSoftmax),
                    x);
        }
        return new ModelOutput<>(x, Optional.ofNullable(logitsOfSoftmax.get(x)));
    }

    /** The layers, each with its resolved name. */
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

    public Shape outputShape() {
        return outputShapes.get(outputShapes.size() - 1);
    }

    /** Number of classes of a classifier: the size of a flat output. */
    public int numClasses() {
        Shape out = outputShape();
        if (out.rank() != 1) {
            throw new IllegalStateException("Model '" + name + "' has output " + out + ", not a class vector");
        }
        return out.dim(0);
    }

    /** Every weight of the model in Keras order. */
    public List<ModelWeight> weights() {
        return weights;
    }

    public long totalParams() {
        return weights.stream().mapToLong(w -> w.spec().size()).sum();
    }

    public long trainableParams() {
        return weights.stream().filter(w -> w.spec().trainable()).mapToLong(w -> w.spec().size()).sum();
    }

    public long nonTrainableParams() {
        return totalParams() - trainableParams();
    }

    /** Parameters of layer {@code index}. */
    public long params(int index) {
        return weights.stream().filter(w -> w.layerIndex() == index).mapToLong(w -> w.spec().size()).sum();
    }

    /** Keras's {@code model.summary()} table. */
    public String summary() {
        return ModelSummary.render(this);
    }

    /**
     * Fresh weights with Keras's default initializers (Glorot-uniform kernels, zero biases and betas,
     * unit gammas and moving variances), drawn in Java from {@code seed} so that every backend starts
     * a seeded run from the same values.
     */
    public Weights initialWeights(long seed) {
        Weights.Builder builder = Weights.builder();
        SplittableRandom root = new SplittableRandom(seed);
        for (ModelWeight weight : weights) {
            SplittableRandom random = root.split();
            WeightSpec spec = weight.spec();
            int[] shape = spec.shape();
            FloatTensor tensor = switch (spec.initializer()) {
                case ZEROS -> FloatTensor.filled(shape, 0f);
                case ONES -> FloatTensor.filled(shape, 1f);
                case GLOROT_UNIFORM -> glorotUniform(shape, random);
            };
            builder.put(weight.key(), tensor);
        }
        return builder.build();
    }

    private static FloatTensor glorotUniform(int[] shape, SplittableRandom random) {
        // Keras: the last two axes are (fan_in, fan_out), leading axes form the receptive field.
        long receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            receptive *= shape[i];
        }
        double fanIn = shape.length >= 2 ? shape[shape.length - 2] * (double) receptive : shape[0];
        double fanOut = shape[shape.length - 1] * (double) receptive;
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        float[] values = new float[Math.toIntExact(Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return FloatTensor.wrap(shape, values);
    }

    /** Checks that {@code weights} has exactly this model's names and shapes. */
    public void requireCompatible(Weights candidate, String source) {
        List<String> problems = new ArrayList<>();
        for (ModelWeight weight : weights) {
            if (!candidate.contains(weight.key())) {
                problems.add("missing " + weight.key());
                continue;
            }
            int[] actual = candidate.get(weight.key()).shape();
            if (!Arrays.equals(actual, weight.spec().shape())) {
                problems.add(weight.key() + " has shape " + Arrays.toString(actual) + ", expected "
                        + Arrays.toString(weight.spec().shape()));
            }
        }
        Set<String> expected = new HashSet<>();
        weights.forEach(w -> expected.add(w.key()));
        for (String present : candidate.names()) {
            if (!expected.contains(present)) {
                problems.add("unexpected " + present);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Weights from " + source + " do not fit model '" + name + "': "
                    + String.join("; ", problems));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sequential s && name.equals(s.name) && inputShape.equals(s.inputShape)
                && layers.equals(s.layers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, inputShape, layers);
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
