package org.sightline.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Constraint;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.Layer;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Loss;
import org.sightline.compile.Metric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Sequential} as Keras's {@code model.to_json()} config, and back.
 *
 * <p>{@link #toJson} writes the Keras 3 spelling (an {@code InputLayer} with {@code batch_shape},
 * {@code module}/{@code class_name}/{@code config}/{@code registered_name} objects, dtype policies),
 * which Keras 3's {@code keras.models.model_from_json} reads. {@link #modelFromJson} reads that, the
 * Keras 2 spelling ({@code batch_input_shape} on the first layer or on an {@code InputLayer}, plain
 * class names) and the list-shaped config of Keras 2.0–2.2.
 *
 * <p>Only what Sightline can run is accepted, so that a model never silently changes meaning: an
 * unsupported layer class, {@code channels_first}, dilation, groups, regularizers, a frozen layer, a
 * non-float32 dtype policy, batch normalization off the last axis or without center/scale, or any
 * other setting Sightline does not know with a non-default value is an error naming the layer and
 * the setting. Initializers only matter before training; a non-default one is logged and replaced
 * by Keras's default.
 *
 * <pre>{@code
 * Sequential model = KerasJson.modelFromJson(Path.of("model.json"));
 * String json = KerasJson.toJson(model);
 * }</pre>
 */
public final class KerasJson {
    private static final Logger LOG = LoggerFactory.getLogger(KerasJson.class);

    /** The Keras layer classes Sightline reads. */
    public static final List<String> SUPPORTED_LAYERS = List.of("InputLayer", "Conv2D", "Activation", "Dropout",
            "BatchNormalization", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dense");

    /**
     * The largest config file read: the reference model's config is 9 KB, and reading a file of any
     * size at once could exhaust the heap.
     */
    public static final long MAX_CONFIG_BYTES = 64L << 20;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final String FLOAT32 = "float32";
    private static final int CONV_KERNEL_RANK = 4;
    private static final int DENSE_KERNEL_RANK = 2;
    private static final double DEFAULT_MAX_NORM = 2.0;

    private KerasJson() {
    }

    // ---------------------------------------------------------------- writing

    /** The model's config in Keras 3's {@code model.to_json()} spelling. */
    public static String toJson(Sequential model) {
        ObjectNode config = JSON.createObjectNode();
        config.put("name", model.name());
        config.put("trainable", true);
        config.set("dtype", dtypePolicy());
        ArrayNode layers = config.putArray("layers");
        ObjectNode input = JSON.createObjectNode();
        input.set("batch_shape", batchShape(model.inputShape()));
        input.put("dtype", FLOAT32);
        input.put("sparse", false);
        input.put("ragged", false);
        input.put("name", "input_layer");
        layers.add(kerasObject("keras.layers", "InputLayer", input));
        for (int i = 0; i < model.layers().size(); i++) {
            layers.add(layerToJson(model.layers().get(i), model.inputShape(i)));
        }
        config.set("build_input_shape", batchShape(model.inputShape()));
        ObjectNode root = kerasObject("keras", "Sequential", config);
        root.putObject("build_config").set("input_shape", batchShape(model.inputShape()));
        return write(root);
    }

    private static ObjectNode layerToJson(Layer layer, Shape input) {
        ObjectNode c = JSON.createObjectNode();
        c.put("name", layer.name());
        c.put("trainable", true);
        c.set("dtype", dtypePolicy());
        boolean built = true;
        if (layer instanceof Conv2D conv) {
            c.put("filters", conv.filters());
            c.set("kernel_size", pair(conv.kernelHeight(), conv.kernelWidth()));
            c.set("strides", pair(conv.strideHeight(), conv.strideWidth()));
            c.put("padding", conv.padding().kerasName());
            c.put("data_format", "channels_last");
            c.set("dilation_rate", pair(1, 1));
            c.put("groups", 1);
            c.put("activation", conv.activation().kerasName());
            c.put("use_bias", conv.useBias());
            putKernelSettings(c, conv.kernelConstraint(), true);
        } else if (layer instanceof Activation activation) {
            c.put("activation", activation.function().kerasName());
            built = false;
        } else if (layer instanceof Dropout dropout) {
            c.put("rate", dropout.rate());
            c.putNull("seed");
            c.putNull("noise_shape");
            built = false;
        } else if (layer instanceof BatchNormalization bn) {
            c.put("axis", -1);
            c.put("momentum", bn.momentum());
            c.put("epsilon", bn.epsilon());
            c.put("center", true);
            c.put("scale", true);
            c.set("beta_initializer", initializer("Zeros"));
            c.set("gamma_initializer", initializer("Ones"));
            c.set("moving_mean_initializer", initializer("Zeros"));
            c.set("moving_variance_initializer", initializer("Ones"));
            c.putNull("beta_regularizer");
            c.putNull("gamma_regularizer");
            c.putNull("beta_constraint");
            c.putNull("gamma_constraint");
            c.put("synchronized", false);
        } else if (layer instanceof MaxPooling2D pool) {
            putPooling(c, pool.window());
            built = false;
        } else if (layer instanceof AveragePooling2D pool) {
            putPooling(c, pool.window());
            built = false;
        } else if (layer instanceof Flatten) {
            c.put("data_format", "channels_last");
        } else if (layer instanceof Dense dense) {
            c.put("units", dense.units());
            c.put("activation", dense.activation().kerasName());
            c.put("use_bias", dense.useBias());
            putKernelSettings(c, dense.kernelConstraint(), false);
        } else {
            throw new IllegalStateException("No Keras config for " + layer);
        }
        ObjectNode node = kerasObject("keras.layers", layer.kerasClass(), c);
        if (built) {
            // Keras 3 records the input shape of layers whose build() creates state.
            node.putObject("build_config").set("input_shape", batchShape(input));
        }
        return node;
    }

    private static void putKernelSettings(ObjectNode c, Constraint kernelConstraint, boolean activityRegularizer) {
        c.set("kernel_initializer", initializer("GlorotUniform"));
        c.set("bias_initializer", initializer("Zeros"));
        c.putNull("kernel_regularizer");
        c.putNull("bias_regularizer");
        if (activityRegularizer) {
            c.putNull("activity_regularizer");
        }
        if (kernelConstraint instanceof MaxNorm maxNorm) {
            ObjectNode config = JSON.createObjectNode();
            config.put("max_value", maxNorm.maxValue());
            int[] axes = maxNorm.axes();
            if (axes.length == 1) {
                config.put("axis", axes[0]);
            } else {
                ArrayNode list = config.putArray("axis");
                for (int a : axes) {
                    list.add(a);
                }
            }
            c.set("kernel_constraint", kerasObject("keras.constraints", "MaxNorm", config));
        } else {
            c.putNull("kernel_constraint");
        }
        c.putNull("bias_constraint");
    }

    private static void putPooling(ObjectNode c, PoolingWindow window) {
        c.set("pool_size", pair(window.poolHeight(), window.poolWidth()));
        c.put("padding", window.padding().kerasName());
        c.set("strides", pair(window.strideHeight(), window.strideWidth()));
        c.put("data_format", "channels_last");
    }

    private static ObjectNode kerasObject(String module, String className, ObjectNode config) {
        ObjectNode node = JSON.createObjectNode();
        node.put("module", module);
        node.put("class_name", className);
        node.set("config", config);
        node.putNull("registered_name");
        return node;
    }

    private static ObjectNode dtypePolicy() {
        ObjectNode config = JSON.createObjectNode();
        config.put("name", FLOAT32);
        return kerasObject("keras", "DTypePolicy", config);
    }

    private static ObjectNode initializer(String className) {
        ObjectNode config = JSON.createObjectNode();
        if (className.equals("GlorotUniform")) {
            config.putNull("seed");
        }
        return kerasObject("keras.initializers", className, config);
    }

    private static ArrayNode pair(int a, int b) {
        return JSON.createArrayNode().add(a).add(b);
    }

    private static ArrayNode batchShape(Shape shape) {
        ArrayNode node = JSON.createArrayNode().addNull();
        for (int d : shape.dims()) {
            node.add(d);
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
    public static Sequential modelFromJson(Path file) throws IOException {
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
    public static Sequential modelFromJson(String json) {
        return modelFromJson(json, "model config");
    }

    /**
     * Reads a Keras {@code model.to_json()} string; errors start with {@code source} (a file name, or
     * where the JSON came from).
     *
     * @throws IllegalArgumentException if the JSON is invalid, not a Sequential model, or uses a layer
     *                                  or setting Sightline does not support
     */
    public static Sequential modelFromJson(String json, String source) {
        JsonNode root = parse(json, source);
        String modelClass = root.path("class_name").asText(null);
        if (!"Sequential".equals(modelClass)) {
            throw new IllegalArgumentException(source + ": only Sequential models are supported, got class_name '"
                    + modelClass + "'" + ("Functional".equals(modelClass) || "Model".equals(modelClass)
                            ? " (rebuild the model with keras.Sequential)" : ""));
        }
        JsonNode config = root.get("config");
        String name = Sequential.DEFAULT_NAME;
        JsonNode layerList;
        Shape declaredInput = null;
        if (config != null && config.isArray()) {
            layerList = config; // Keras 2.0 to 2.2 wrote the layer list as the config itself.
        } else if (config != null && config.isObject()) {
            Settings model = new Settings(source + ": model", (ObjectNode) config);
            name = model.text("name", Sequential.DEFAULT_NAME);
            layerList = model.take("layers");
            JsonNode buildShape = model.take("build_input_shape");
            if (buildShape != null) {
                declaredInput = batchShape(buildShape, model);
            }
            model.rejectUnknown();
        } else {
            throw new IllegalArgumentException(source + ": 'config' must be an object or a layer list, got "
                    + (config == null ? "nothing" : config.getNodeType()));
        }
        if (layerList == null || !layerList.isArray() || layerList.isEmpty()) {
            throw new IllegalArgumentException(source + ": model '" + name + "' has no layers");
        }
        if (declaredInput == null) {
            JsonNode buildConfig = root.path("build_config").get("input_shape");
            if (buildConfig != null && !buildConfig.isNull()) {
                declaredInput = batchShape(buildConfig, new Settings(source + ": build_config", JSON.createObjectNode()));
            }
        }
        Shape input = null;
        Shape current = null;
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerList.size(); i++) {
            JsonNode entry = layerList.get(i);
            String layerClass = entry.path("class_name").asText(null);
            JsonNode layerConfig = entry.get("config");
            String layerName = layerConfig == null ? null : layerConfig.path("name").asText(null);
            String where = source + ": layer " + i + " '" + layerName + "' (" + layerClass + ")";
            if (layerClass == null || layerConfig == null || !layerConfig.isObject()) {
                throw new IllegalArgumentException(where + ": needs a class_name and a config object");
            }
            Settings settings = new Settings(where, (ObjectNode) layerConfig);
            if (layerClass.equals("InputLayer")) {
                if (input != null || !layers.isEmpty()) {
                    throw new IllegalArgumentException(where + ": an InputLayer must be the first layer");
                }
                input = readInputLayer(settings);
                current = input;
                continue;
            }
            JsonNode layerInput = settings.take("batch_input_shape");
            if (current == null) {
                if (layerInput != null) {
                    input = batchShape(layerInput, settings);
                } else if (declaredInput != null) {
                    input = declaredInput;
                } else if (entry.path("build_config").has("input_shape")) {
                    input = batchShape(entry.path("build_config").get("input_shape"), settings);
                } else {
                    throw new IllegalArgumentException(where + ": no input shape: the model has no InputLayer and its "
                            + "first layer has no batch_input_shape");
                }
                current = input;
            }
            Layer layer = readLayer(layerClass, layerName, settings, current);
            settings.rejectUnknown();
            try {
                current = layer.outputShape(current);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            layers.add(layer);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(source + ": model '" + name + "' has only an InputLayer");
        }
        try {
            return Sequential.of(name, input, layers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
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

    private static Shape readInputLayer(Settings s) {
        JsonNode shape = s.take("batch_shape");
        JsonNode legacy = s.take("batch_input_shape");
        if (shape == null) {
            shape = legacy;
        }
        if (shape == null) {
            throw s.error("needs batch_shape (Keras 3) or batch_input_shape (Keras 2)");
        }
        Shape input = batchShape(shape, s);
        s.rejectUnknown();
        return input;
    }

    private static Layer readLayer(String layerClass, String name, Settings s, Shape input) {
        try {
            switch (layerClass) {
                case "Conv2D": {
                    int filters = s.integer("filters", null);
                    int[] kernel = s.pair("kernel_size", null);
                    int[] strides = s.pair("strides", new int[] {1, 1});
                    Padding padding = s.padding();
                    s.requireChannelsLast();
                    int[] dilation = s.pair("dilation_rate", new int[] {1, 1});
                    if (dilation[0] != 1 || dilation[1] != 1) {
                        throw s.error("dilation_rate (" + dilation[0] + ", " + dilation[1] + ") is not supported");
                    }
                    int groups = s.integer("groups", 1);
                    if (groups != 1) {
                        throw s.error("groups = " + groups + " is not supported");
                    }
                    ActivationFunction activation = s.activation(false);
                    boolean useBias = s.bool("use_bias", true);
                    s.initializer("kernel_initializer", "glorotuniform");
                    s.initializer("bias_initializer", "zeros");
                    Constraint constraint = s.constraint("kernel_constraint", CONV_KERNEL_RANK);
                    return new Conv2D(name, filters, kernel[0], kernel[1], strides[0], strides[1], padding, activation,
                            useBias, constraint);
                }
                case "Activation":
                    return new Activation(name, s.activation(true));
                case "Dropout": {
                    double rate = s.number("rate", null);
                    // Sightline seeds dropout from the fit seed; a layer seed changes no result's meaning.
                    s.take("seed");
                    return new Dropout(name, rate);
                }
                case "BatchNormalization":
                    return readBatchNormalization(name, s, input);
                case "MaxPooling2D":
                    return new MaxPooling2D(name, readPoolingWindow(s));
                case "AveragePooling2D":
                    return new AveragePooling2D(name, readPoolingWindow(s));
                case "Flatten":
                    s.requireChannelsLast();
                    return new Flatten(name);
                case "Dense": {
                    int units = s.integer("units", null);
                    ActivationFunction activation = s.activation(false);
                    boolean useBias = s.bool("use_bias", true);
                    s.initializer("kernel_initializer", "glorotuniform");
                    s.initializer("bias_initializer", "zeros");
                    Constraint constraint = s.constraint("kernel_constraint", DENSE_KERNEL_RANK);
                    return new Dense(name, units, activation, useBias, constraint);
                }
                default:
                    throw s.error("unsupported layer class '" + layerClass + "'; Sightline supports "
                            + String.join(", ", SUPPORTED_LAYERS));
            }
        } catch (SettingException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw s.error(e.getMessage());
        }
    }

    private static BatchNormalization readBatchNormalization(String name, Settings s, Shape input) {
        JsonNode axisNode = s.take("axis");
        if (axisNode != null) {
            JsonNode single = axisNode.isArray() && axisNode.size() == 1 ? axisNode.get(0) : axisNode;
            // With the batch axis, the last axis of an input of rank r is r; Keras 2 wrote it that way.
            if (!single.isIntegralNumber() || (single.intValue() != -1 && single.intValue() != input.rank())) {
                throw s.error("axis " + axisNode + " is not the last axis of input " + input
                        + "; Sightline normalizes the last (channel) axis only");
            }
        }
        double momentum = s.number("momentum", BatchNormalization.DEFAULT_MOMENTUM);
        double epsilon = s.number("epsilon", BatchNormalization.DEFAULT_EPSILON);
        if (!s.bool("center", true)) {
            throw s.error("center = false (no beta) is not supported");
        }
        if (!s.bool("scale", true)) {
            throw s.error("scale = false (no gamma) is not supported");
        }
        s.initializer("beta_initializer", "zeros");
        s.initializer("gamma_initializer", "ones");
        s.initializer("moving_mean_initializer", "zeros");
        s.initializer("moving_variance_initializer", "ones");
        return new BatchNormalization(name, momentum, epsilon);
    }

    private static PoolingWindow readPoolingWindow(Settings s) {
        int[] pool = s.pair("pool_size", new int[] {2, 2});
        int[] strides = s.pair("strides", pool);
        Padding padding = s.padding();
        s.requireChannelsLast();
        return new PoolingWindow(pool[0], pool[1], strides[0], strides[1], padding);
    }

    private static Shape batchShape(JsonNode node, Settings s) {
        if (!node.isArray() || node.size() < 2) {
            throw s.error("input shape must be [batch, dims...], got " + node);
        }
        JsonNode batch = node.get(0);
        if (!batch.isNull() && !batch.isIntegralNumber()) {
            throw s.error("input shape " + node + " has a non-integer batch size");
        }
        int[] dims = new int[node.size() - 1];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = node.get(i + 1);
            if (d.isNull()) {
                throw s.error("input shape " + node + " has a variable dimension; Sightline needs fixed sizes");
            }
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() <= 0) {
                throw s.error("input shape " + node + " has an invalid dimension " + d);
            }
            dims[i] = d.intValue();
        }
        try {
            return Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw s.error(e.getMessage());
        }
    }

    /** An error in a config whose message already names the layer and setting. */
    private static final class SettingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        SettingException(String message) {
            super(message);
        }
    }

    /** One layer's config, tracking which settings were understood so that the rest can be checked. */
    private static final class Settings {
        private final String where;
        private final ObjectNode config;
        private final Set<String> used = new HashSet<>();

        Settings(String where, ObjectNode config) {
            this.where = where;
            this.config = config;
            take("name");
            JsonNode trainable = take("trainable");
            if (trainable != null && !trainable.asBoolean(true)) {
                throw error("trainable = false (a frozen layer) is not supported");
            }
            requireFloat32(take("dtype"));
        }

        SettingException error(String message) {
            return new SettingException(where + ": " + message);
        }

        /** The setting, or null when absent or JSON null. */
        JsonNode take(String key) {
            used.add(key);
            JsonNode node = config.get(key);
            return node == null || node.isNull() ? null : node;
        }

        int integer(String key, Integer fallback) {
            JsonNode node = take(key);
            if (node == null) {
                return required(key, fallback);
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw error(key + " must be an integer, got " + node);
            }
            return node.intValue();
        }

        double number(String key, Double fallback) {
            JsonNode node = take(key);
            if (node == null) {
                return required(key, fallback);
            }
            if (!node.isNumber()) {
                throw error(key + " must be a number, got " + node);
            }
            return node.doubleValue();
        }

        boolean bool(String key, boolean fallback) {
            JsonNode node = take(key);
            if (node == null) {
                return fallback;
            }
            if (!node.isBoolean()) {
                throw error(key + " must be true or false, got " + node);
            }
            return node.booleanValue();
        }

        String text(String key, String fallback) {
            JsonNode node = take(key);
            if (node == null) {
                return required(key, fallback);
            }
            if (!node.isTextual()) {
                throw error(key + " must be a string, got " + node);
            }
            return node.textValue();
        }

        /** An int or a pair of ints, as Keras accepts for kernel sizes, strides and pool sizes. */
        int[] pair(String key, int[] fallback) {
            JsonNode node = take(key);
            if (node == null) {
                return required(key, fallback);
            }
            if (node.isIntegralNumber()) {
                return new int[] {node.intValue(), node.intValue()};
            }
            if (node.isArray() && node.size() == 2 && node.get(0).isIntegralNumber() && node.get(1).isIntegralNumber()) {
                return new int[] {node.get(0).intValue(), node.get(1).intValue()};
            }
            throw error(key + " must be an integer or a pair of integers, got " + node);
        }

        private <T> T required(String key, T fallback) {
            if (fallback == null) {
                throw error("missing required setting '" + key + "'");
            }
            return fallback;
        }

        Padding padding() {
            String padding = text("padding", "valid");
            try {
                return Padding.fromKeras(padding.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        void requireChannelsLast() {
            JsonNode format = take("data_format");
            if (format != null && !format.asText().equals("channels_last")) {
                throw error("data_format '" + format.asText() + "' is not supported; Sightline is channels_last (NHWC)");
            }
        }

        ActivationFunction activation(boolean required) {
            JsonNode node = take("activation");
            if (node == null) {
                if (required) {
                    throw error("missing required setting 'activation'");
                }
                return ActivationFunction.LINEAR;
            }
            String name;
            if (node.isTextual()) {
                name = node.textValue();
            } else if (node.isObject() && node.path("config").isTextual()) {
                name = node.get("config").textValue(); // Keras 3 writes some functions as {"config": "relu"}.
            } else {
                name = node.path("class_name").asText(node.toString());
            }
            try {
                return ActivationFunction.fromKeras(name);
            } catch (IllegalArgumentException e) {
                throw error("activation: " + e.getMessage());
            }
        }

        void initializer(String key, String expected) {
            JsonNode node = take(key);
            if (node == null) {
                return;
            }
            String className = node.isTextual() ? node.textValue() : node.path("class_name").asText("");
            String normalized = className.toLowerCase(Locale.ROOT).replace("_", "");
            JsonNode config = node.path("config");
            // Keras 2.0 spelled Glorot-uniform as VarianceScaling(1, fan_avg, uniform).
            boolean glorot = normalized.equals("variancescaling") && config.path("scale").asDouble() == 1.0
                    && config.path("mode").asText().equals("fan_avg")
                    && config.path("distribution").asText().equals("uniform");
            if (!normalized.equals(expected) && !(glorot && expected.equals("glorotuniform"))) {
                LOG.warn("{}: {} {} is not supported; Sightline initializes it as Keras's default ({})", where, key,
                        className, expected);
            }
        }

        Constraint constraint(String key, int kernelRank) {
            JsonNode node = take(key);
            if (node == null) {
                return Constraint.none();
            }
            String className = node.isTextual() ? node.textValue() : node.path("class_name").asText("");
            // Keras 2 also registered MaxNorm as max_norm and maxnorm.
            if (!className.toLowerCase(Locale.ROOT).replace("_", "").equals("maxnorm")) {
                throw error(key + " " + className + " is not supported; Sightline supports MaxNorm");
            }
            JsonNode config = node.path("config");
            double maxValue = config.path("max_value").isNumber() ? config.get("max_value").doubleValue()
                    : DEFAULT_MAX_NORM;
            JsonNode axisNode = config.get("axis");
            int[] axes;
            if (axisNode == null || axisNode.isNull()) {
                axes = new int[] {0};
            } else if (axisNode.isIntegralNumber()) {
                axes = new int[] {axisNode.intValue()};
            } else if (axisNode.isArray() && !axisNode.isEmpty()) {
                axes = new int[axisNode.size()];
                for (int i = 0; i < axes.length; i++) {
                    axes[i] = axisNode.get(i).asInt();
                }
            } else {
                throw error(key + " MaxNorm axis must be an integer or a list, got " + axisNode);
            }
            for (int i = 0; i < axes.length; i++) {
                int axis = axes[i] < 0 ? axes[i] + kernelRank : axes[i];
                if (axis < 0 || axis >= kernelRank) {
                    throw error(key + " MaxNorm axis " + axisNode + " is outside the kernel's " + kernelRank + " axes");
                }
                axes[i] = axis;
            }
            try {
                return new MaxNorm(maxValue, axes);
            } catch (IllegalArgumentException e) {
                throw error(key + ": " + e.getMessage());
            }
        }

        private void requireFloat32(JsonNode dtype) {
            if (dtype == null) {
                return;
            }
            String name = dtype.isTextual() ? dtype.textValue() : dtype.path("config").path("name").asText("?");
            if (!name.equals(FLOAT32)) {
                throw error("dtype policy '" + name + "' is not supported; Sightline computes in float32");
            }
        }

        /**
         * Any setting left over must hold its "off" value (null, false, empty): anything else might
         * change what the layer computes.
         */
        void rejectUnknown() {
            Iterator<Map.Entry<String, JsonNode>> fields = config.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode value = field.getValue();
                boolean off = value.isNull() || (value.isBoolean() && !value.booleanValue())
                        || (value.isContainerNode() && value.isEmpty());
                if (!used.contains(field.getKey()) && !off) {
                    String shown = value.toString();
                    throw error("unsupported setting " + field.getKey() + " = "
                            + (shown.length() > 120 ? shown.substring(0, 117) + "..." : shown));
                }
            }
        }
    }

    // ---------------------------------------------------------------- compile config

    /** Compile options as Keras 3's {@code compile_config}. */
    public static String compileConfigToJson(CompileOptions options) {
        ObjectNode root = JSON.createObjectNode();
        if (!(options.optimizer() instanceof Adam adam)) {
            throw new IllegalStateException("No Keras config for optimizer " + options.optimizer());
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("name", adam.kerasName());
        config.put("learning_rate", adam.learningRate());
        config.put("beta_1", adam.beta1());
        config.put("beta_2", adam.beta2());
        config.put("epsilon", adam.epsilon());
        config.put("amsgrad", false);
        root.set("optimizer", kerasObject("keras.optimizers", "Adam", config));
        root.put("loss", options.loss().kerasName());
        ArrayNode metrics = root.putArray("metrics");
        options.metrics().forEach(m -> metrics.add(m.kerasName()));
        return write(root);
    }

    /**
     * Reads a {@code compile_config} with an Adam optimizer (a name or a config), a loss and metrics
     * by name.
     *
     * @throws IllegalArgumentException naming {@code source} and the setting Sightline does not support
     */
    public static CompileOptions compileConfigFromJson(String json, String source) {
        JsonNode root = parse(json, source);
        JsonNode optimizer = root.get("optimizer");
        Adam adam;
        if (optimizer == null || optimizer.isNull()) {
            throw new IllegalArgumentException(source + ": compile config has no optimizer");
        } else if (optimizer.isTextual()) {
            if (!optimizer.textValue().equalsIgnoreCase("adam")) {
                throw new IllegalArgumentException(source + ": optimizer '" + optimizer.textValue()
                        + "' is not supported; Sightline supports Adam");
            }
            adam = Adam.defaults();
        } else {
            String className = optimizer.path("class_name").asText("");
            if (!className.equalsIgnoreCase("adam")) {
                throw new IllegalArgumentException(source + ": optimizer '" + className
                        + "' is not supported; Sightline supports Adam");
            }
            JsonNode c = optimizer.path("config");
            for (String off : List.of("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor",
                    "gradient_accumulation_steps", "amsgrad", "use_ema")) {
                JsonNode value = c.get(off);
                if (value != null && !value.isNull() && !(value.isBoolean() && !value.booleanValue())) {
                    throw new IllegalArgumentException(source + ": Adam " + off + " = " + value + " is not supported");
                }
            }
            Adam d = Adam.defaults();
            try {
                adam = new Adam(adamNumber(c, "learning_rate", d.learningRate(), source),
                        adamNumber(c, "beta_1", d.beta1(), source), adamNumber(c, "beta_2", d.beta2(), source),
                        adamNumber(c, "epsilon", d.epsilon(), source));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
            }
        }
        String lossName = functionName(root.get("loss"));
        if (lossName == null) {
            throw new IllegalArgumentException(source + ": compile config has no loss");
        }
        Loss loss;
        try {
            loss = Loss.fromKeras(lossName, false);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        List<Metric> metrics = new ArrayList<>();
        JsonNode metricList = root.get("metrics");
        if (metricList != null && metricList.isArray()) {
            for (JsonNode metric : metricList) {
                String name = functionName(metric);
                metrics.add(byKerasName(Metric.values(), Metric::kerasName, "acc".equals(name) ? "accuracy" : name,
                        "metric", source));
            }
        }
        return new CompileOptions(adam, loss, metrics);
    }

    private static double adamNumber(JsonNode config, String key, double fallback, String source) {
        JsonNode node = config.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber()) {
            throw new IllegalArgumentException(source + ": Adam " + key + " must be a number, got " + node);
        }
        return node.doubleValue();
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
