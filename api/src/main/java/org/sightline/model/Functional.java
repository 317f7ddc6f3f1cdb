package org.sightline.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.sightline.ops.Ops;

/**
 * A directed acyclic graph of layers with one input and one output, as a Keras functional model:
 * residual connections, branches that merge ({@link Add}, {@link Concatenate}, ...). Immutable and
 * validated: construction infers every layer's shapes, so a misfit fails here naming the layer.
 *
 * <pre>{@code
 * SymbolicTensor input = Functional.input(Shape.image(32, 32, 3));
 * SymbolicTensor x = Conv2D.of(16, 3).withPadding(Padding.SAME).apply(input);
 * SymbolicTensor y = Conv2D.of(16, 3).withPadding(Padding.SAME).apply(x);
 * SymbolicTensor sum = Add.of(x, y);
 * SymbolicTensor output = Dense.of(10).withActivation(ActivationFunction.SOFTMAX)
 *         .apply(GlobalAveragePooling2D.of().apply(sum));
 * Functional model = Functional.of("residual", input, output);
 * }</pre>
 *
 * <p>Layers are kept in Keras's order (by depth from the output, inputs first; ties in the order a
 * depth-first walk from the output meets them), which is the order of their weights and of
 * {@link #summary()}. Unnamed layers get Keras's automatic names in the order they were applied.
 * A layer object applied twice (a shared layer) is refused.
 */
public final class Functional implements Network {
    /** Keras 3's default functional model name. */
    public static final String DEFAULT_NAME = "functional";

    /**
     * A layer in the graph and the names of the tensors it reads, in order: the model input's name or
     * other layers' names (each layer has one output).
     */
    public record Node(Layer layer, List<String> inbound) {
        public Node {
            Objects.requireNonNull(layer, "Functional.Node.layer");
            inbound = List.copyOf(inbound);
            if (inbound.isEmpty()) {
                throw new IllegalArgumentException("Layer '" + layer.name() + "' reads no tensor");
            }
        }
    }

    private final String name;
    private final InputLayer input;
    private final List<Node> nodes;
    private final List<Layer> layers;
    private final String output;
    private final List<List<Shape>> inputShapes;
    private final List<Shape> outputShapes;
    private final Shape outputShape;
    private final List<ModelWeight> weights;
    private final Set<String> frozen;

    private Functional(String name, InputLayer input, List<Node> nodes, String output) {
        this(name, input, nodes, output, Set.of());
    }

    private Functional(String name, InputLayer input, List<Node> nodes, String output, Set<String> frozenLayers) {
        this.name = Objects.requireNonNull(name, "Functional.name");
        this.input = Objects.requireNonNull(input, "Functional.input");
        this.nodes = List.copyOf(nodes);
        this.output = Objects.requireNonNull(output, "Functional.output");
        if (input.name() == null) {
            throw new IllegalArgumentException("Model '" + name + "': the input needs a name");
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("Model '" + name + "' needs at least one layer");
        }
        Map<String, Shape> shapes = new HashMap<>();
        shapes.put(input.name(), input.shape());
        List<Layer> allLayers = new ArrayList<>();
        List<List<Shape>> allInputShapes = new ArrayList<>();
        List<Shape> allOutputShapes = new ArrayList<>();
        List<ModelWeight> allWeights = new ArrayList<>();
        for (int i = 0; i < this.nodes.size(); i++) {
            Node node = this.nodes.get(i);
            Layer layer = node.layer();
            String where = layer.kerasClass() + " '" + layer.name() + "'";
            if (layer.name() == null) {
                throw new IllegalArgumentException("Model '" + name + "': layer " + i + " (" + layer.kerasClass()
                        + ") needs a name");
            }
            List<Shape> in = new ArrayList<>();
            for (String source : node.inbound()) {
                Shape shape = shapes.get(source);
                if (shape == null) {
                    throw new IllegalArgumentException("Model '" + name + "': " + where + " reads '" + source
                            + "', which is neither the input nor a layer before it");
                }
                in.add(shape);
            }
            Shape out;
            try {
                boolean held = frozenLayers.contains(layer.name());
                allWeights.addAll(layer.weights(in).stream().map(spec -> new ModelWeight(layer.name(),
                        allLayers.size(), held ? spec.frozen() : spec)).toList());
                out = layer.outputShape(in);
            } catch (TooManyValuesException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            if (shapes.put(layer.name(), out) != null) {
                throw new IllegalArgumentException("Model '" + name + "': layer name '" + layer.name()
                        + "' is used twice");
            }
            allLayers.add(layer);
            allInputShapes.add(List.copyOf(in));
            allOutputShapes.add(out);
        }
        if (!shapes.containsKey(output) || output.equals(input.name())) {
            throw new IllegalArgumentException("Model '" + name + "': the output '" + output + "' is not a layer");
        }
        requireEveryLayerLeadsToTheOutput();
        this.outputShape = shapes.get(output);
        this.layers = List.copyOf(allLayers);
        this.inputShapes = List.copyOf(allInputShapes);
        this.outputShapes = List.copyOf(allOutputShapes);
        this.weights = List.copyOf(allWeights);
        this.frozen = LayerNames.frozen(name, layers, frozenLayers);
    }

    private void requireEveryLayerLeadsToTheOutput() {
        Set<String> needed = new HashSet<>(List.of(output));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            if (!needed.contains(node.layer().name())) {
                throw new IllegalArgumentException("Model '" + name + "': layer '" + node.layer().name()
                        + "' does not lead to the output '" + output + "'");
            }
            needed.addAll(node.inbound());
        }
        if (!needed.contains(input.name())) {
            throw new IllegalArgumentException("Model '" + name + "': the output '" + output
                    + "' does not depend on the input '" + input.name() + "'");
        }
    }

    /** The graph form: named layers in Keras's order, each after the layers it reads. */
    public static Functional of(String name, InputLayer input, List<Node> nodes, String output) {
        return new Functional(name, input, nodes, output);
    }

    /** This model with the layers {@code names} frozen, as Keras's {@code layer.trainable = False}. */
    public Functional withFrozen(Set<String> names) {
        return new Functional(name, input, nodes, output, names);
    }

    @Override
    public Set<String> frozenLayers() {
        return frozen;
    }

    /** A model input, as {@code keras.Input(shape)}; named {@code input_layer} (or a free variant) by the model. */
    public static SymbolicTensor input(Shape shape) {
        return SymbolicTensor.input(new InputLayer(null, shape));
    }

    /** A named model input, as {@code keras.Input(shape, name=name)}. */
    public static SymbolicTensor input(String name, Shape shape) {
        return SymbolicTensor.input(new InputLayer(Objects.requireNonNull(name, "name"), shape));
    }

    public static Functional of(SymbolicTensor input, SymbolicTensor output) {
        return of(DEFAULT_NAME, input, output);
    }

    /** The model computing {@code output} from {@code input}, as {@code keras.Model(input, output)}. */
    public static Functional of(String name, SymbolicTensor input, SymbolicTensor output) {
        if (input.inputLayer() == null) {
            throw new IllegalArgumentException("Model '" + name + "': " + input + " is not a model input; make one "
                    + "with Functional.input");
        }
        // Keras's map_graph: a depth-first walk from the output numbers the layers as it meets them...
        Map<SymbolicTensor, Integer> met = new IdentityHashMap<>();
        List<SymbolicTensor> finished = new ArrayList<>();
        Map<Layer, SymbolicTensor> applied = new IdentityHashMap<>();
        walk(name, output, input, met, finished, applied);
        if (!met.containsKey(input)) {
            throw new IllegalArgumentException("Model '" + name + "': the output does not depend on the input");
        }
        // ...then each tensor's depth is its longest path to the output; deeper tensors come first.
        Map<SymbolicTensor, Integer> depth = new IdentityHashMap<>();
        for (int i = finished.size() - 1; i >= 0; i--) {
            SymbolicTensor tensor = finished.get(i);
            int d = depth.getOrDefault(tensor, 0);
            for (SymbolicTensor parent : tensor.inputs()) {
                depth.merge(parent, d + 1, Math::max);
            }
        }
        depth.putIfAbsent(output, 0);
        List<SymbolicTensor> ordered = new ArrayList<>(finished);
        ordered.sort(Comparator.<SymbolicTensor>comparingInt(t -> -depth.get(t)).thenComparingInt(met::get));

        // Unnamed layers are named in the order they were applied, as Keras names them when made.
        List<SymbolicTensor> byCreation = new ArrayList<>(finished);
        byCreation.sort(Comparator.comparingLong(SymbolicTensor::created));
        List<String> userNames = new ArrayList<>();
        for (SymbolicTensor tensor : byCreation) {
            userNames.add(tensor.layer() != null ? tensor.layer().name() : tensor.inputLayer().name());
        }
        LayerNames names = new LayerNames(userNames);
        Map<SymbolicTensor, String> nameOf = new IdentityHashMap<>();
        Map<SymbolicTensor, Layer> named = new IdentityHashMap<>();
        for (SymbolicTensor tensor : byCreation) {
            if (tensor.layer() == null) {
                String inputName = tensor.inputLayer().name();
                nameOf.put(tensor, inputName != null ? inputName : names.next(InputLayer.NAME_PREFIX));
            } else {
                Layer layer = tensor.layer();
                Layer withName = layer.name() != null ? layer : layer.withName(names.next(layer.namePrefix()));
                named.put(tensor, withName);
                nameOf.put(tensor, withName.name());
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (SymbolicTensor tensor : ordered) {
            if (tensor.layer() != null) {
                nodes.add(new Node(named.get(tensor), tensor.inputs().stream().map(nameOf::get).toList()));
            }
        }
        return new Functional(name, input.inputLayer().withName(nameOf.get(input)), nodes, nameOf.get(output));
    }

    private static void walk(String model, SymbolicTensor tensor, SymbolicTensor input,
            Map<SymbolicTensor, Integer> met, List<SymbolicTensor> finished, Map<Layer, SymbolicTensor> applied) {
        // Symbolic tensors are immutable and made from earlier ones: the graph has no cycle.
        if (met.containsKey(tensor)) {
            return;
        }
        met.put(tensor, met.size());
        if (tensor.layer() == null) {
            if (tensor != input) {
                throw new IllegalArgumentException("Model '" + model + "': the output depends on " + tensor
                        + ", which is not the model's input " + input);
            }
        } else {
            SymbolicTensor earlier = applied.put(tensor.layer(), tensor);
            if (earlier != null) {
                throw new IllegalArgumentException("Model '" + model + "': " + tensor.layer().kerasClass() + " '"
                        + tensor.layer().name() + "' is applied twice; shared layers are not supported, "
                        + "make a second layer");
            }
            for (SymbolicTensor parent : tensor.inputs()) {
                walk(model, parent, input, met, finished, applied);
            }
        }
        finished.add(tensor);
    }

    @Override
    public String name() {
        return name;
    }

    /** The model's input layer. */
    public InputLayer input() {
        return input;
    }

    @Override
    public Shape inputShape() {
        return input.shape();
    }

    /** The layers with the tensors each reads, in Keras's order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The name of the layer whose output is the model's output. */
    public String output() {
        return output;
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }

    /** The input shapes of layer {@code index}. */
    public List<Shape> inputShapes(int index) {
        return inputShapes.get(index);
    }

    /** The output shape of layer {@code index}. */
    public Shape outputShape(int index) {
        return outputShapes.get(index);
    }

    @Override
    public Shape outputShape() {
        return outputShape;
    }

    @Override
    public List<ModelWeight> weights() {
        return weights;
    }

    @Override
    public <T> ModelOutput<T> call(Ops<T> ops, T inputTensor, boolean training) {
        Map<T, T> logitsOfSoftmax = new IdentityHashMap<>();
        Map<String, T> values = new LinkedHashMap<>();
        values.put(input.name(), inputTensor);
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            List<T> args = node.inbound().stream().map(values::get).toList();
            values.put(node.layer().name(), node.layer().call(
                    new CallContext<>(ops, training, frozen.contains(node.layer().name()), node.layer(), i,
                            inputShapes.get(i), logitsOfSoftmax), args));
        }
        T out = values.get(output);
        return new ModelOutput<>(out, Optional.ofNullable(logitsOfSoftmax.get(out)));
    }

    @Override
    public String summary() {
        return ModelSummary.render(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Functional f && name.equals(f.name) && input.equals(f.input) && nodes.equals(f.nodes)
                && output.equals(f.output) && frozen.equals(f.frozen);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, input, nodes, output, frozen);
    }

    @Override
    public String toString() {
        return "Functional[" + name + ", input " + input.shape() + ", " + layers.size() + " layers]";
    }
}
