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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.CosineDecay;
import org.sightline.compile.ExponentialDecay;
import org.sightline.compile.LearningRateSchedule;
import org.sightline.compile.Loss;
import org.sightline.compile.Metric;
import org.sightline.compile.Optimizer;
import org.sightline.compile.Sgd;
import org.sightline.model.KerasConfig;
import org.sightline.model.Layer;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

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
 * <p>Each layer class reads and writes its own config ({@code fromKeras} and
 * {@link Layer#kerasConfig}); this class finds the layer classes from {@link Layer}'s permitted
 * subclasses by their {@code KERAS_CLASS}, so it names no layer.
 *
 * <pre>{@code
 * Sequential model = KerasJson.modelFromJson(Path.of("model.json"));
 * String json = KerasJson.toJson(model);
 * }</pre>
 */
public final class KerasJson {
    private static final String INPUT_LAYER = "InputLayer";

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
        for (Class<?> type : Layer.class.getPermittedSubclasses()) {
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

    private static List<String> supportedLayers() {
        List<String> names = new ArrayList<>();
        names.add(INPUT_LAYER);
        names.addAll(LAYER_READERS.keySet());
        return List.copyOf(names);
    }

    // ---------------------------------------------------------------- writing

    /** The model's config in Keras 3's {@code model.to_json()} spelling. */
    public static String toJson(Sequential model) {
        ObjectNode config = JSON.createObjectNode();
        config.put("name", model.name());
        config.put("trainable", true);
        config.set("dtype", KerasConfig.dtypePolicy());
        ArrayNode layers = config.putArray("layers");
        ObjectNode input = JSON.createObjectNode();
        input.set("batch_shape", KerasConfig.batchShape(model.inputShape()));
        input.put("dtype", KerasConfig.FLOAT32);
        input.put("sparse", false);
        input.put("ragged", false);
        input.put("name", "input_layer");
        layers.add(KerasConfig.kerasObject("keras.layers", INPUT_LAYER, input));
        for (int i = 0; i < model.layers().size(); i++) {
            layers.add(layerToJson(model.layers().get(i), model.inputShape(i)));
        }
        config.set("build_input_shape", KerasConfig.batchShape(model.inputShape()));
        ObjectNode root = KerasConfig.kerasObject("keras", "Sequential", config);
        root.putObject("build_config").set("input_shape", KerasConfig.batchShape(model.inputShape()));
        return write(root);
    }

    private static ObjectNode layerToJson(Layer layer, Shape input) {
        KerasConfig.Writer config = new KerasConfig.Writer(layer.name());
        layer.kerasConfig(config);
        ObjectNode node = KerasConfig.kerasObject("keras.layers", layer.kerasClass(), config.config());
        if (config.recordsInputShape()) {
            node.putObject("build_config").set("input_shape", KerasConfig.batchShape(input));
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
        if (declaredInput == null) {
            JsonNode buildConfig = root.path("build_config").get("input_shape");
            if (buildConfig != null && !buildConfig.isNull()) {
                declaredInput = KerasConfig.of(source + ": build_config", JSON.createObjectNode()).batchShape(buildConfig);
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
