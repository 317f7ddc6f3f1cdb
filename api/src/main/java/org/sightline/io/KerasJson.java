package org.sightline.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.CosineDecay;
import org.sightline.compile.ExponentialDecay;
import org.sightline.compile.LearningRateSchedule;
import org.sightline.compile.Loss;
import org.sightline.compile.Metric;
import org.sightline.compile.Optimizer;
import org.sightline.compile.Sgd;
import org.sightline.model.Functional;
import org.sightline.model.InputLayer;
import org.sightline.model.KerasConfig;
import org.sightline.model.Layer;
import org.sightline.model.Network;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

/**
 * A {@link Sequential} or {@link Functional} model as Keras's {@code model.to_json()} config, and back.
 *
 * <p>{@link #toJson} writes the Keras 3 spelling (an {@code InputLayer} with {@code batch_shape},
 * {@code module}/{@code class_name}/{@code config}/{@code registered_name} objects, dtype policies),
 * which Keras 3's {@code keras.models.model_from_json} reads. {@link #modelFromJson} reads that, the
 * Keras 2 spelling ({@code batch_input_shape} on the first layer or on an {@code InputLayer}, plain
 * class names) and the list-shaped config of Keras 2.0–2.2. Functional models (class name
 * {@code Functional}, or {@code Model} before TensorFlow 2.4) are read with Keras 2's
 * {@code inbound_nodes} lists and Keras 3's {@code args} of {@code __keras_tensor__} objects; a
 * TensorFlow.js {@code model.json} is read from its {@code modelTopology}.
 *
 * <p>Only what Sightline can run is accepted, so that a model never silently changes meaning: an
 * unsupported layer class, {@code channels_first}, a regularizer other than L1, L2 or L1L2 on a Conv2D
 * or Dense weight (an activity regularizer included), a frozen layer, a non-float32 dtype policy, batch
 * normalization off the last axis or without center/scale, or any other setting Sightline does not
 * know with a non-default value is an error naming the layer and the setting. Initializers only matter before training; a non-default one is logged and replaced
 * by Keras's default.
 *
 * <p>Each layer class reads and writes its own config ({@code fromKeras} and
 * {@link Layer#kerasConfig}); this class finds the layer classes from {@link Layer}'s permitted
 * subclasses by their {@code KERAS_CLASS}, so it names no layer.
 *
 * <pre>{@code
 * Network model = KerasJson.modelFromJson(Path.of("model.json"));
 * String json = KerasJson.toJson(model);
 * }</pre>
 */
public final class KerasJson {
    private static final String INPUT_LAYER = InputLayer.KERAS_CLASS;
    private static final String KERAS_TENSOR = "__keras_tensor__";

    /** Each layer class's {@code fromKeras}, by Keras class name, in {@link Layer}'s permits order. */
    private static final Map<String, MethodHandle> LAYER_READERS = layerReaders();

    /** The Keras layer classes Sightline reads. */
    public static final List<String> SUPPORTED_LAYERS = supportedLayers();

    /**
     * The largest config file read: the reference model's config is 9 KB, and reading a file of any
     * size at once could exhaust the heap.
     */
    public static final long MAX_CONFIG_BYTES = 64L << 20;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final String SCHEDULES_MODULE = "keras.optimizers.schedules";
    /** Optimizer settings that change the update when on; Sightline refuses them rather than ignore them. */
    private static final List<String> OPTIMIZER_OFF_SETTINGS = List.of("weight_decay", "clipnorm", "clipvalue",
            "global_clipnorm", "loss_scale_factor", "gradient_accumulation_steps", "amsgrad", "use_ema");
    /** Keras 3's default loss reduction, and Keras 2's name for it. */
    private static final List<String> MEAN_REDUCTIONS = List.of("sum_over_batch_size", "auto");

    private KerasJson() {
    }

    /**
     * Finds every permitted {@link Layer} class's {@code KERAS_CLASS} and {@code fromKeras}; a layer
     * class without them is a programming error, caught the first time this class loads.
     */
    private static Map<String, MethodHandle> layerReaders() {
        Map<String, MethodHandle> readers = new LinkedHashMap<>();
        MethodType reader = MethodType.methodType(Layer.class, KerasConfig.class, Shape.class);
        for (Class<?> type : layerClasses(Layer.class)) {
            try {
                String kerasClass = (String) type.getField("KERAS_CLASS").get(null);
                MethodHandle fromKeras = MethodHandles.publicLookup()
                        .findStatic(type, "fromKeras", reader.changeReturnType(type)).asType(reader);
                if (readers.put(kerasClass, fromKeras) != null) {
                    throw new IllegalStateException("Two layer classes are Keras's " + kerasClass);
                }
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalStateException(type.getName() + " must declare public static final String "
                        + "KERAS_CLASS and public static " + type.getSimpleName() + " fromKeras(KerasConfig, Shape)", e);
            }
        }
        return Collections.unmodifiableMap(readers);
    }

    /** The concrete classes under a sealed layer interface, through nested sealed interfaces. */
    private static List<Class<?>> layerClasses(Class<?> sealed) {
        List<Class<?>> classes = new ArrayList<>();
        for (Class<?> type : sealed.getPermittedSubclasses()) {
            if (type.isInterface()) {
                classes.addAll(layerClasses(type));
            } else {
                classes.add(type);
            }
        }
        return classes;
    }

    private static List<String> supportedLayers() {
        List<String> names = new ArrayList<>();
        names.add(INPUT_LAYER);
        names.addAll(LAYER_READERS.keySet());
        return List.copyOf(names);
    }

    // ---------------------------------------------------------------- writing

    /** The model's config in Keras 3's {@code model.to_json()} spelling. */
    public static String toJson(Network model) {
        if (model instanceof Sequential sequential) {
            return toJson(sequential);
        }
        return toJson((Functional) model);
    }

    private static String toJson(Sequential model) {
        ObjectNode config = JSON.createObjectNode();
        config.put("name", model.name());
        config.put("trainable", true);
        config.set("dtype", KerasConfig.dtypePolicy());
        ArrayNode layers = config.putArray("layers");
        layers.add(inputLayerToJson(new InputLayer("input_layer", model.inputShape())));
        for (int i = 0; i < model.layers().size(); i++) {
            layers.add(layerToJson(model.layers().get(i), List.of(model.inputShape(i)), model.frozenLayers()));
        }
        config.set("build_input_shape", KerasConfig.batchShape(model.inputShape()));
        ObjectNode root = KerasConfig.kerasObject("keras", "Sequential", config);
        root.putObject("build_config").set("input_shape", KerasConfig.batchShape(model.inputShape()));
        return write(root);
    }

    /**
     * A functional model as Keras 3 writes it: the input layer and every layer with its
     * {@code inbound_nodes} (one call, its {@code args} the {@code __keras_tensor__}s it reads, a list
     * of them for a merge layer), then {@code input_layers} and {@code output_layers}.
     */
    private static String toJson(Functional model) {
        ObjectNode config = JSON.createObjectNode();
        config.put("name", model.name());
        config.put("trainable", true);
        ArrayNode layers = config.putArray("layers");
        ObjectNode input = inputLayerToJson(model.input());
        input.put("name", model.input().name());
        input.putArray("inbound_nodes");
        layers.add(input);
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(model.input().name(), model.inputShape());
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            ObjectNode node = layerToJson(layer, model.inputShapes(i), model.frozenLayers());
            node.put("name", layer.name());
            ArrayNode tensors = JSON.createArrayNode();
            for (String source : model.nodes().get(i).inbound()) {
                tensors.add(kerasTensor(source, shapes.get(source)));
            }
            ObjectNode call = node.putArray("inbound_nodes").addObject();
            call.putArray("args").add(tensors.size() == 1 ? tensors.get(0) : tensors);
            call.putObject("kwargs");
            layers.add(node);
            shapes.put(layer.name(), model.outputShape(i));
        }
        config.putArray("input_layers").addArray().add(model.input().name()).add(0).add(0);
        config.putArray("output_layers").addArray().add(model.output()).add(0).add(0);
        // Functional is no public Keras class: Keras 3 writes its module and registers it by name.
        ObjectNode root = KerasConfig.kerasObject("keras.src.models.functional", "Functional", config);
        root.put("registered_name", "Functional");
        root.putObject("build_config").putNull("input_shape");
        return write(root);
    }

    private static ObjectNode kerasTensor(String layerName, Shape shape) {
        ObjectNode config = JSON.createObjectNode();
        config.set("shape", KerasConfig.batchShape(shape));
        config.put("dtype", KerasConfig.FLOAT32);
        config.putArray("keras_history").add(layerName).add(0).add(0);
        ObjectNode tensor = JSON.createObjectNode();
        tensor.put("class_name", KERAS_TENSOR);
        tensor.set("config", config);
        return tensor;
    }

    private static ObjectNode inputLayerToJson(InputLayer layer) {
        ObjectNode input = JSON.createObjectNode();
        input.set("batch_shape", KerasConfig.batchShape(layer.shape()));
        input.put("dtype", KerasConfig.FLOAT32);
        input.put("sparse", false);
        input.put("ragged", false);
        input.put("name", layer.name());
        return KerasConfig.kerasObject("keras.layers", INPUT_LAYER, input);
    }

    private static ObjectNode layerToJson(Layer layer, List<Shape> inputs, Set<String> frozen) {
        KerasConfig.Writer config = new KerasConfig.Writer(layer.name());
        layer.kerasConfig(config);
        ObjectNode settings = config.config();
        if (frozen.contains(layer.name())) {
            settings.put("trainable", false);
        }
        ObjectNode node = KerasConfig.kerasObject("keras.layers", layer.kerasClass(), settings);
        if (config.recordsInputShape()) {
            JsonNode shape;
            if (inputs.size() == 1) {
                shape = KerasConfig.batchShape(inputs.get(0));
            } else {
                ArrayNode list = JSON.createArrayNode();
                inputs.forEach(s -> list.add(KerasConfig.batchShape(s)));
                shape = list;
            }
            node.putObject("build_config").set("input_shape", shape);
        }
        return node;
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize a Keras config", e);
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads a Keras {@code model.to_json()} file.
     *
     * @throws ModelFileException       if the file does not exist, is a directory or is larger than
     *                                  {@link #MAX_CONFIG_BYTES}
     * @throws IllegalArgumentException as {@link #modelFromJson(String, String)}
     */
    public static Network modelFromJson(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new ModelFileException(file, "is a directory, expected a Keras model config file");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file, "no such config file", e);
        }
        if (size > MAX_CONFIG_BYTES) {
            throw new ModelFileException(file, String.format(Locale.ROOT, "is %,d bytes, more than the %,d bytes "
                    + "(64 MiB) a Keras model config may have", size, MAX_CONFIG_BYTES));
        }
        return modelFromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Reads a Keras {@code model.to_json()} string. */
    public static Network modelFromJson(String json) {
        return modelFromJson(json, "model config");
    }

    /**
     * Reads a Keras {@code model.to_json()} string; errors start with {@code source} (a file name, or
     * where the JSON came from).
     *
     * @throws IllegalArgumentException if the JSON is invalid, not a Sequential or Functional model,
     *                                  or uses layers or settings Sightline does not support (every
     *                                  unsupported layer class is named at once)
     */
    public static Network modelFromJson(String json, String source) {
        JsonNode root = modelConfig(parse(json, source), source);
        String modelClass = root.path("class_name").asText(null);
        if ("Sequential".equals(modelClass)) {
            return readSequential(root, source);
        }
        if ("Functional".equals(modelClass) || "Model".equals(modelClass)) {
            return readFunctional(root, source);
        }
        throw new IllegalArgumentException(source + ": expected a Sequential or Functional model config, got class_name '"
                + modelClass + "'");
    }

    /**
     * The model config itself, or the one inside a TensorFlow.js layers-model {@code model.json}
     * ({@code modelTopology}, which holds it directly or under {@code model_config}).
     */
    private static JsonNode modelConfig(JsonNode root, String source) {
        JsonNode topology = root.get("modelTopology");
        if (topology == null) {
            return root;
        }
        JsonNode config = topology.has("model_config") ? topology.get("model_config") : topology;
        if (!config.isObject()) {
            throw new IllegalArgumentException(source + ": modelTopology holds no model config object");
        }
        return config;
    }

    /** Refuses a config using layer classes Sightline lacks, naming every one of them at once. */
    private static void requireSupportedLayers(JsonNode layerList, String source) {
        List<String> unsupported = new ArrayList<>();
        for (JsonNode entry : layerList) {
            String layerClass = entry.path("class_name").asText(null);
            if ("Sequential".equals(layerClass) && entry.path("config").path("layers").isArray()) {
                requireSupportedLayers(entry.path("config").path("layers"), source);
                continue;
            }
            if (layerClass != null && !SUPPORTED_LAYERS.contains(layerClass)) {
                unsupported.add("'" + entry.path("config").path("name").asText(entry.path("name").asText("?"))
                        + "' (" + layerClass + ")");
            }
        }
        if (!unsupported.isEmpty()) {
            throw new IllegalArgumentException(source + ": unsupported layer" + (unsupported.size() > 1 ? "s " : " ")
                    + String.join(", ", unsupported) + "; Sightline supports " + String.join(", ", SUPPORTED_LAYERS));
        }
    }

    private static Sequential readSequential(JsonNode root, String source) {
        return readSequential(root, source, null);
    }

    /**
     * A Sequential model; {@code knownInput} is the shape a nested Sequential is called on, for one that
     * records no input shape of its own (null at the top).
     */
    private static Sequential readSequential(JsonNode root, String source, Shape knownInput) {
        JsonNode config = root.get("config");
        String name = Sequential.DEFAULT_NAME;
        JsonNode layerList;
        Shape declaredInput = null;
        if (config != null && config.isArray()) {
            layerList = config; // Keras 2.0 to 2.2 wrote the layer list as the config itself.
        } else if (config != null && config.isObject()) {
            KerasConfig model = KerasConfig.layer(source + ": model", (ObjectNode) config);
            name = model.string("name", Sequential.DEFAULT_NAME);
            layerList = model.take("layers");
            JsonNode buildShape = model.take("build_input_shape");
            if (buildShape != null) {
                declaredInput = model.batchShape(buildShape);
            }
            model.rejectUnknown();
        } else {
            throw new IllegalArgumentException(source + ": 'config' must be an object or a layer list, got "
                    + (config == null ? "nothing" : config.getNodeType()));
        }
        if (layerList == null || !layerList.isArray() || layerList.isEmpty()) {
            throw new IllegalArgumentException(source + ": model '" + name + "' has no layers");
        }
        if (declaredInput == null && knownInput != null) {
            declaredInput = knownInput;
        }
        if (declaredInput == null) {
            JsonNode buildConfig = root.path("build_config").get("input_shape");
            if (buildConfig != null && !buildConfig.isNull()) {
                declaredInput = KerasConfig.of(source + ": build_config", JSON.createObjectNode()).batchShape(buildConfig);
            }
        }
        requireSupportedLayers(layerList, source);
        Shape input = null;
        Shape current = null;
        List<Layer> layers = new ArrayList<>();
        Set<String> frozen = new HashSet<>();
        for (int i = 0; i < layerList.size(); i++) {
            JsonNode entry = layerList.get(i);
            String layerClass = entry.path("class_name").asText(null);
            JsonNode layerConfig = entry.get("config");
            String layerName = layerConfig == null ? null : layerConfig.path("name").asText(null);
            String where = source + ": layer " + i + " '" + layerName + "' (" + layerClass + ")";
            if (layerClass == null || layerConfig == null || !layerConfig.isObject()) {
                throw new IllegalArgumentException(where + ": needs a class_name and a config object");
            }
            if (layerClass.equals("Sequential")) {
                // A nested Sequential (an augmentation or preprocessing block): its layers join this one.
                Sequential nested = readSequential(entry, where, current);
                if (current != null && !nested.inputShape().equals(current)) {
                    throw new IllegalArgumentException(where + ": takes " + nested.inputShape() + " but follows a layer "
                            + "of output " + current);
                }
                if (current == null) {
                    input = nested.inputShape();
                }
                layers.addAll(nested.layers());
                frozen.addAll(frozenLayers(nested, layerConfig));
                current = nested.outputShape();
                continue;
            }
            KerasConfig settings = KerasConfig.layer(where, (ObjectNode) layerConfig);
            if (layerClass.equals(INPUT_LAYER)) {
                if (input != null || !layers.isEmpty()) {
                    throw new IllegalArgumentException(where + ": an InputLayer must be the first layer");
                }
                input = settings.inputLayerShape();
                settings.rejectUnknown();
                current = input;
                continue;
            }
            JsonNode layerInput = settings.take("batch_input_shape");
            if (current == null) {
                if (layerInput != null) {
                    input = settings.batchShape(layerInput);
                } else if (declaredInput != null) {
                    input = declaredInput;
                } else if (entry.path("build_config").has("input_shape")) {
                    input = settings.batchShape(entry.path("build_config").get("input_shape"));
                } else {
                    throw new IllegalArgumentException(where + ": no input shape: the model has no InputLayer and its "
                            + "first layer has no batch_input_shape");
                }
                current = input;
            }
            Layer layer = readLayer(layerClass, settings, current);
            settings.rejectUnknown();
            if (!settings.trainable()) {
                frozen.add(layer.name());
            }
            try {
                current = layer.outputShape(List.of(current));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            layers.add(layer);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(source + ": model '" + name + "' has only an InputLayer");
        }
        try {
            Sequential model = Sequential.of(name, input, layers);
            return frozen.isEmpty() ? model : model.withFrozen(frozen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * A functional model: its input layer, then each layer with the one call ({@code inbound_nodes}
     * entry) that names the tensors it reads, and one input and one output.
     */
    private static Functional readFunctional(JsonNode root, String source) {
        JsonNode configNode = root.get("config");
        if (configNode == null || !configNode.isObject()) {
            throw new IllegalArgumentException(source + ": a functional model's 'config' must be an object");
        }
        KerasConfig model = KerasConfig.layer(source + ": model", (ObjectNode) configNode);
        String name = model.name() == null ? Functional.DEFAULT_NAME : model.name();
        JsonNode layerList = model.take("layers");
        String inputName = onlyTensor(model.take("input_layers"), source + ": model '" + name + "' input_layers",
                "input");
        String outputName = onlyTensor(model.take("output_layers"), source + ": model '" + name + "' output_layers",
                "output");
        model.rejectUnknown();
        if (layerList == null || !layerList.isArray() || layerList.isEmpty()) {
            throw new IllegalArgumentException(source + ": model '" + name + "' has no layers");
        }
        requireSupportedLayers(layerList, source);
        InputLayer input = null;
        Map<String, Shape> shapes = new LinkedHashMap<>();
        // A nested Sequential's layers join the graph; its name stands for its last layer.
        Map<String, String> nestedOutputs = new LinkedHashMap<>();
        List<Functional.Node> nodes = new ArrayList<>();
        Set<String> frozen = new HashSet<>();
        for (int i = 0; i < layerList.size(); i++) {
            JsonNode entry = layerList.get(i);
            String layerClass = entry.path("class_name").asText(null);
            JsonNode layerConfig = entry.get("config");
            String layerName = layerConfig == null ? null : layerConfig.path("name").asText(entry.path("name").asText(null));
            String where = source + ": layer " + i + " '" + layerName + "' (" + layerClass + ")";
            if (layerClass == null || layerConfig == null || !layerConfig.isObject()) {
                throw new IllegalArgumentException(where + ": needs a class_name and a config object");
            }
            List<String> inbound = inbound(entry.get("inbound_nodes"), where).stream()
                    .map(n -> nestedOutputs.getOrDefault(n, n)).toList();
            if (layerClass.equals("Sequential")) {
                if (inbound.size() != 1 || !shapes.containsKey(inbound.get(0))) {
                    throw new IllegalArgumentException(where + ": a nested model must read one earlier layer");
                }
                Sequential nested = readSequential(entry, where, shapes.get(inbound.get(0)));
                if (!nested.inputShape().equals(shapes.get(inbound.get(0)))) {
                    throw new IllegalArgumentException(where + ": takes " + nested.inputShape() + " but reads '"
                            + inbound.get(0) + "' of shape " + shapes.get(inbound.get(0)));
                }
                String previous = inbound.get(0);
                for (int k = 0; k < nested.layers().size(); k++) {
                    Layer layer = nested.layers().get(k);
                    nodes.add(new Functional.Node(layer, List.of(previous)));
                    shapes.put(layer.name(), nested.outputShape(k));
                    previous = layer.name();
                }
                nestedOutputs.put(layerName, previous);
                frozen.addAll(frozenLayers(nested, layerConfig));
                continue;
            }
            KerasConfig settings = KerasConfig.layer(where, (ObjectNode) layerConfig);
            if (layerClass.equals(INPUT_LAYER)) {
                if (!layerName.equals(inputName)) {
                    throw new IllegalArgumentException(where + ": an input that is not the model's input '"
                            + inputName + "'; Sightline supports one input");
                }
                input = new InputLayer(layerName, settings.inputLayerShape());
                settings.rejectUnknown();
                shapes.put(layerName, input.shape());
                continue;
            }
            if (inbound.isEmpty()) {
                throw new IllegalArgumentException(where + ": is never called (no inbound_nodes)");
            }
            List<Shape> inputShapes = new ArrayList<>();
            for (String sourceLayer : inbound) {
                Shape shape = shapes.get(sourceLayer);
                if (shape == null) {
                    throw new IllegalArgumentException(where + ": reads '" + sourceLayer
                            + "', which is no layer before it");
                }
                inputShapes.add(shape);
            }
            settings.take("batch_input_shape");
            Layer layer = readLayer(layerClass, settings, inputShapes.get(0));
            settings.rejectUnknown();
            if (!settings.trainable()) {
                frozen.add(layer.name());
            }
            try {
                shapes.put(layerName, layer.outputShape(inputShapes));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            nodes.add(new Functional.Node(layer, inbound));
        }
        if (input == null) {
            throw new IllegalArgumentException(source + ": model '" + name + "' has no InputLayer '" + inputName + "'");
        }
        try {
            Functional graph = Functional.of(name, input, nodes, nestedOutputs.getOrDefault(outputName, outputName));
            return frozen.isEmpty() ? graph : graph.withFrozen(frozen);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** The frozen layers of a nested Sequential: its own, or all of them when the whole block is frozen. */
    private static Set<String> frozenLayers(Sequential nested, JsonNode config) {
        if (!config.path("trainable").asBoolean(true)) {
            Set<String> all = new HashSet<>();
            nested.layers().forEach(layer -> all.add(layer.name()));
            return all;
        }
        return nested.frozenLayers();
    }

    /**
     * The layer named by {@code input_layers} or {@code output_layers}: {@code [[name, 0, 0]]}, as
     * some writers put one tensor {@code [name, 0, 0]}, or by name as Keras 2.3 wrote a dict of inputs
     * {@code {"in": [name, 0, 0]}}; Sightline's models have one of each.
     */
    private static String onlyTensor(JsonNode node, String where, String what) {
        if (node != null && node.isObject() && node.size() == 1) {
            node = JSON.createArrayNode().add(node.elements().next());
        }
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new IllegalArgumentException(where + ": needs the model's " + what + ", got " + node);
        }
        JsonNode tensor = node.get(0).isTextual() ? node : node.get(0);
        if (node.get(0).isArray() && node.size() > 1) {
            throw new IllegalArgumentException(where + ": the model has " + node.size() + " " + what
                    + "s; Sightline supports models with one " + what);
        }
        return historyName(tensor, where);
    }

    /** The layer name of a {@code [name, node_index, tensor_index, ...]} reference; only first calls and outputs. */
    private static String historyName(JsonNode reference, String where) {
        if (!reference.isArray() || reference.size() < 3 || !reference.get(0).isTextual()) {
            throw new IllegalArgumentException(where + ": expected [layer, node_index, tensor_index], got " + reference);
        }
        if (reference.get(1).asInt(-1) != 0 || reference.get(2).asInt(-1) != 0) {
            throw new IllegalArgumentException(where + ": reads " + reference + ", a later call or a second output "
                    + "of layer '" + reference.get(0).textValue() + "'; Sightline supports layers called once with "
                    + "one output");
        }
        return reference.get(0).textValue();
    }

    /**
     * The names of the layers a layer reads, from its {@code inbound_nodes}: Keras 2's
     * {@code [[[name, node, tensor, kwargs], ...]]} or Keras 3's
     * {@code [{"args": [tensor or [tensors]], "kwargs": {}}]}; empty for an input layer. A layer called
     * twice (a shared layer) or with keyword arguments that change what it computes is refused.
     */
    private static List<String> inbound(JsonNode calls, String where) {
        if (calls == null || calls.isNull() || calls.isEmpty()) {
            return List.of();
        }
        if (!calls.isArray()) {
            throw new IllegalArgumentException(where + ": inbound_nodes must be a list, got " + calls.getNodeType());
        }
        if (calls.size() > 1) {
            throw new IllegalArgumentException(where + ": is called " + calls.size() + " times (a shared layer); "
                    + "Sightline supports layers called once");
        }
        JsonNode call = calls.get(0);
        List<String> names = new ArrayList<>();
        if (call.isObject()) {
            // Keras 3 records the training flag each call resolved to, and a functional model's own
            // training flag overrides it when the model runs; Keras 2 records only flags users passed.
            ObjectNode kwargs = call.path("kwargs").isObject() ? ((ObjectNode) call.get("kwargs")).deepCopy() : null;
            if (kwargs != null && kwargs.path("training").isBoolean()) {
                kwargs.remove("training");
            }
            requireNoKeywords(kwargs, where);
            collectKerasTensors(call.get("args"), names, where);
        } else if (call.isArray()) {
            for (JsonNode reference : call) {
                if (reference.size() > 3) {
                    requireNoKeywords(reference.get(3), where);
                }
                names.add(historyName(reference, where));
            }
        } else {
            throw new IllegalArgumentException(where + ": unreadable inbound node " + call);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException(where + ": its call reads no tensor");
        }
        return names;
    }

    private static void collectKerasTensors(JsonNode args, List<String> names, String where) {
        if (args == null || args.isNull()) {
            return;
        }
        if (args.isArray()) {
            for (JsonNode arg : args) {
                collectKerasTensors(arg, names, where);
            }
            return;
        }
        if (args.isObject() && KERAS_TENSOR.equals(args.path("class_name").asText())) {
            names.add(historyName(args.path("config").path("keras_history"), where));
            return;
        }
        throw new IllegalArgumentException(where + ": its call passes " + args + ", not a tensor; Sightline "
                + "supports calls on tensors only");
    }

    /** Keyword arguments of a layer call, such as {@code training=True}, would change what it computes. */
    private static void requireNoKeywords(JsonNode kwargs, String where) {
        if (kwargs == null || kwargs.isNull()) {
            return;
        }
        kwargs.fields().forEachRemaining(field -> {
            if (!field.getValue().isNull()) {
                throw new IllegalArgumentException(where + ": is called with " + field.getKey() + " = "
                        + field.getValue() + "; Sightline supports calls without keyword arguments");
            }
        });
    }

    private static JsonNode parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON"
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr()) + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        return root;
    }

    private static Layer readLayer(String layerClass, KerasConfig config, Shape input) {
        MethodHandle fromKeras = LAYER_READERS.get(layerClass);
        if (fromKeras == null) {
            throw config.error("unsupported layer class '" + layerClass + "'; Sightline supports "
                    + String.join(", ", SUPPORTED_LAYERS));
        }
        return config.build(() -> {
            try {
                return (Layer) fromKeras.invokeExact(config, input);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("Reading a " + layerClass + " config failed", e);
            }
        });
    }

    // ---------------------------------------------------------------- compile config

    /**
     * Compile options as Keras 3's {@code compile_config}: the optimizer as an object (its learning
     * rate a number, or a {@code keras.optimizers.schedules} object whose initial rate is the
     * optimizer's), the loss by name, or as an object when it takes logits, and the metrics by name.
     */
    public static String compileConfigToJson(CompileOptions options) {
        ObjectNode root = JSON.createObjectNode();
        root.set("optimizer", optimizerToJson(options.optimizer()));
        root.set("loss", lossToJson(options.loss()));
        ArrayNode metrics = root.putArray("metrics");
        options.metrics().forEach(m -> metrics.add(m.kerasName()));
        return write(root);
    }

    private static ObjectNode optimizerToJson(Optimizer optimizer) {
        ObjectNode config = JSON.createObjectNode();
        String className;
        if (optimizer instanceof Adam adam) {
            className = "Adam";
            config.put("name", adam.kerasName());
            config.set("learning_rate", learningRateToJson(adam));
            config.put("beta_1", adam.beta1());
            config.put("beta_2", adam.beta2());
            config.put("epsilon", adam.epsilon());
            config.put("amsgrad", false);
        } else if (optimizer instanceof Sgd sgd) {
            className = "SGD";
            config.put("name", className); // Keras's default name for SGD.
            config.set("learning_rate", learningRateToJson(sgd));
            config.put("momentum", sgd.momentum());
            config.put("nesterov", sgd.nesterov());
        } else {
            throw new IllegalStateException("No Keras config for optimizer " + optimizer);
        }
        return KerasConfig.kerasObject("keras.optimizers", className, config);
    }

    private static JsonNode learningRateToJson(Optimizer optimizer) {
        LearningRateSchedule schedule = optimizer.schedule();
        ObjectNode config = JSON.createObjectNode();
        config.put("initial_learning_rate", optimizer.learningRate());
        String className;
        if (schedule instanceof ExponentialDecay decay) {
            className = "ExponentialDecay";
            config.put("decay_steps", decay.decaySteps());
            config.put("decay_rate", decay.decayRate());
            config.put("staircase", decay.staircase());
            config.put("name", className);
        } else if (schedule instanceof CosineDecay decay) {
            className = "CosineDecay";
            config.put("decay_steps", decay.decaySteps());
            config.put("alpha", decay.alpha());
            config.put("name", className);
            config.putNull("warmup_target");
            config.put("warmup_steps", 0);
        } else {
            return JSON.getNodeFactory().numberNode(optimizer.learningRate());
        }
        return KerasConfig.kerasObject(SCHEDULES_MODULE, className, config);
    }

    private static JsonNode lossToJson(Loss loss) {
        if (!loss.fromLogits()) {
            return JSON.getNodeFactory().textNode(loss.kerasName());
        }
        // Only the object form carries from_logits: Keras writes what keras.losses.*Crossentropy(...) holds.
        ObjectNode config = JSON.createObjectNode();
        config.put("name", loss.kerasName());
        config.put("reduction", MEAN_REDUCTIONS.get(0));
        config.put("from_logits", true);
        if (loss.sparse()) {
            config.putNull("ignore_class");
        } else {
            config.put("label_smoothing", 0.0);
            config.put("axis", -1);
        }
        return KerasConfig.kerasObject("keras.losses",
                loss.sparse() ? "SparseCategoricalCrossentropy" : "CategoricalCrossentropy", config);
    }

    /**
     * Reads a {@code compile_config}: an Adam or SGD optimizer (a name or a config, the learning rate
     * a number or an ExponentialDecay or CosineDecay schedule), a loss (a name, or an object with
     * {@code from_logits}) and metrics by name.
     *
     * @throws IllegalArgumentException naming {@code source} and the setting Sightline does not support
     */
    public static CompileOptions compileConfigFromJson(String json, String source) {
        JsonNode root = parse(json, source);
        Optimizer optimizer = readOptimizer(root.get("optimizer"), source);
        Loss loss = readLoss(root.get("loss"), source);
        List<Metric> metrics = new ArrayList<>();
        JsonNode metricList = root.get("metrics");
        if (metricList != null && metricList.isArray()) {
            for (JsonNode metric : metricList) {
                String name = functionName(metric);
                metrics.add(byKerasName(Metric.values(), Metric::kerasName, "acc".equals(name) ? "accuracy" : name,
                        "metric", source));
            }
        }
        return new CompileOptions(optimizer, loss, metrics);
    }

    private static Optimizer readOptimizer(JsonNode optimizer, String source) {
        if (optimizer == null || optimizer.isNull()) {
            throw new IllegalArgumentException(source + ": compile config has no optimizer");
        }
        String className = optimizer.isTextual() ? optimizer.textValue() : optimizer.path("class_name").asText("");
        boolean adam = className.equalsIgnoreCase("adam");
        if (!adam && !className.equalsIgnoreCase("sgd")) {
            throw new IllegalArgumentException(source + ": optimizer '" + className
                    + "' is not supported; Sightline supports Adam, SGD");
        }
        if (optimizer.isTextual()) {
            return adam ? Adam.defaults() : Sgd.defaults();
        }
        JsonNode configNode = optimizer.path("config");
        KerasConfig config = KerasConfig.of(source + ": " + className,
                configNode.isObject() ? (ObjectNode) configNode : JSON.createObjectNode());
        for (String off : OPTIMIZER_OFF_SETTINGS) {
            JsonNode value = config.take(off);
            if (!KerasConfig.isOff(value)) {
                throw new IllegalArgumentException(source + ": " + className + " " + off + " = " + value
                        + " is not supported");
            }
        }
        // Keras 2's legacy optimizers decay the rate by 1 / (1 + decay * step), which no schedule here matches.
        if (config.number("decay", 0.0) != 0) {
            throw config.error("decay = " + config.take("decay") + " is not supported; use a learning-rate schedule");
        }
        if (adam) {
            Adam d = Adam.defaults();
            double rate = initialRate(config, d.learningRate());
            LearningRateSchedule schedule = schedule(config);
            double beta1 = config.number("beta_1", d.beta1());
            double beta2 = config.number("beta_2", d.beta2());
            double epsilon = config.number("epsilon", d.epsilon());
            return config.build(() -> new Adam(rate, beta1, beta2, epsilon, schedule));
        }
        Sgd d = Sgd.defaults();
        double rate = initialRate(config, d.learningRate());
        LearningRateSchedule schedule = schedule(config);
        double momentum = config.number("momentum", d.momentum());
        boolean nesterov = config.bool("nesterov", d.nesterov());
        return config.build(() -> new Sgd(rate, momentum, nesterov, schedule));
    }

    /**
     * The optimizer's initial rate: its {@code learning_rate} (Keras 2.2 and earlier: {@code lr}), or
     * the schedule's initial rate.
     */
    private static double initialRate(KerasConfig optimizer, double fallback) {
        JsonNode node = optimizer.take("learning_rate");
        if (node == null) {
            return optimizer.number("lr", fallback);
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (!node.isObject()) {
            throw optimizer.error("learning_rate must be a number or a schedule, got " + node);
        }
        return optimizer.nested("learning_rate " + node.path("class_name").asText("?"), node.get("config"))
                .number("initial_learning_rate", null);
    }

    /** The {@code learning_rate} schedule, constant when the rate is a number. */
    private static LearningRateSchedule schedule(KerasConfig optimizer) {
        JsonNode node = optimizer.take("learning_rate");
        if (node == null || !node.isObject()) {
            return LearningRateSchedule.constant();
        }
        String className = node.path("class_name").asText("?");
        KerasConfig config = optimizer.nested("learning_rate " + className, node.get("config"));
        config.take("initial_learning_rate"); // the optimizer's rate, read by initialRate
        config.take("name");
        LearningRateSchedule schedule;
        switch (className) {
            case "ExponentialDecay" -> {
                long steps = config.longInteger("decay_steps", null);
                double rate = config.number("decay_rate", null);
                boolean staircase = config.bool("staircase", false);
                schedule = config.build(() -> new ExponentialDecay(steps, rate, staircase));
            }
            case "CosineDecay" -> {
                long steps = config.longInteger("decay_steps", null);
                double alpha = config.number("alpha", 0.0);
                if (config.longInteger("warmup_steps", 0L) != 0) {
                    throw config.error("warmup_steps = " + config.take("warmup_steps") + " is not supported");
                }
                schedule = config.build(() -> new CosineDecay(steps, alpha));
            }
            default -> throw optimizer.error("learning_rate schedule '" + className
                    + "' is not supported; Sightline supports ExponentialDecay, CosineDecay");
        }
        config.rejectUnknown();
        return schedule;
    }

    private static Loss readLoss(JsonNode node, String source) {
        String name = functionName(node);
        if (name == null) {
            throw new IllegalArgumentException(source + ": compile config has no loss");
        }
        boolean fromLogits = false;
        JsonNode settings = node.path("config");
        if (settings.isObject()) {
            // A loss object, keras.losses.*Crossentropy(...): its settings must be what Sightline computes.
            KerasConfig config = KerasConfig.of(source + ": loss " + node.path("class_name").asText(name),
                    (ObjectNode) settings);
            config.take("name");
            fromLogits = config.bool("from_logits", false);
            String reduction = config.string("reduction", MEAN_REDUCTIONS.get(0));
            if (!MEAN_REDUCTIONS.contains(reduction)) {
                throw config.error("reduction '" + reduction + "' is not supported; Sightline averages over the batch");
            }
            if (config.number("label_smoothing", 0.0) != 0) {
                throw config.error("label_smoothing = " + config.take("label_smoothing") + " is not supported");
            }
            if (config.integer("axis", -1) != -1) {
                throw config.error("axis = " + config.take("axis") + " is not supported; the class axis is the last");
            }
            config.rejectUnknown();
        }
        try {
            return Loss.fromKeras(name, fromLogits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": loss '" + name + "' is not supported; expected one of "
                    + List.of(Loss.CATEGORICAL_CROSSENTROPY.kerasName(), Loss.SPARSE_CATEGORICAL_CROSSENTROPY.kerasName()),
                    e);
        }
    }

    /** A loss or metric given as a name, as {"config": name} (Keras 3 functions) or by class name. */
    private static String functionName(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.path("config").isTextual()) {
            return node.get("config").textValue();
        }
        if (node.path("config").path("name").isTextual()) {
            return node.get("config").get("name").textValue();
        }
        return node.path("class_name").asText(node.toString());
    }

    private static <E> E byKerasName(E[] values, java.util.function.Function<E, String> kerasName, String name,
            String what, String source) {
        String wanted = name == null ? "" : name.toLowerCase(Locale.ROOT).replace("_", "");
        for (E value : values) {
            if (kerasName.apply(value).replace("_", "").equals(wanted)) {
                return value;
            }
        }
        List<String> known = new ArrayList<>();
        for (E value : values) {
            known.add(kerasName.apply(value));
        }
        throw new IllegalArgumentException(source + ": " + what + " '" + name + "' is not supported; expected one of "
                + known);
    }
}
