package org.sightline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Keras config object ({@code get_config()} of a layer, optimizer, schedule or loss) being read,
 * with typed accessors whose errors name where the config came from (file, layer) and the field. It
 * remembers which fields were read, so that {@link #rejectUnknown()} can refuse any other field that
 * might change what the model computes. {@link Writer} is the other direction, in Keras 3 spelling.
 *
 * <p>Everything that differs between Keras 2 and Keras 3 spellings lives here, once for every layer:
 * {@code batch_input_shape} (Keras 2) and {@code batch_shape} (Keras 3), {@code module} and
 * {@code registered_name} around objects, dtype given as a string or as a {@code DTypePolicy},
 * activations and initializers as names or objects, and Keras 2's spellings of MaxNorm and the
 * regularizers.
 *
 * <p>Where the two compute differently under one name ({@code hard_sigmoid}), a layer config is read as
 * Keras 2's when its {@code dtype} is a plain string or absent, and as Keras 3's when it is a
 * {@code DTypePolicy} object. Keras 3.0 to 3.3 also wrote the plain string, so a {@code hard_sigmoid} in
 * a config from those versions is read with Keras 2's math; nothing else in a layer's config tells them
 * apart for every layer (an {@code Activation} layer holds only its name, trainable, dtype and function).
 *
 * <pre>{@code
 * public static Dropout fromKeras(KerasConfig config, Shape input) {
 *     return new Dropout(config.name(), config.number("rate", null));
 * }
 * }</pre>
 */
public final class KerasConfig {
    private static final Logger LOG = LoggerFactory.getLogger(KerasConfig.class);
    /** Set while a config is read together with its trained weights, when initializers do not matter. */
    private static final ThreadLocal<Boolean> WEIGHTS_FOLLOW = ThreadLocal.withInitial(() -> false);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The only dtype Sightline computes in. */
    public static final String FLOAT32 = "float32";
    private static final double DEFAULT_MAX_NORM = 2.0;

    private final String where;
    private final ObjectNode config;
    private boolean trainable = true;
    private final Set<String> used = new HashSet<>();
    private String name;
    private boolean keras2Dtype;

    private KerasConfig(String where, ObjectNode config) {
        this.where = where;
        this.config = config;
    }

    /** A config with no common fields, e.g. an optimizer's; errors start with {@code where}. */
    public static KerasConfig of(String where, ObjectNode config) {
        return new KerasConfig(where, config);
    }

    /**
     * A layer's config: reads the fields every Keras layer has (name, trainable, dtype) and refuses a
     * dtype other than float32.
     */
    public static KerasConfig layer(String where, ObjectNode config) {
        KerasConfig layer = new KerasConfig(where, config);
        JsonNode layerName = layer.take("name");
        layer.name = layerName == null ? null : layerName.asText();
        JsonNode trainable = layer.take("trainable");
        layer.trainable = trainable == null || trainable.asBoolean(true);
        JsonNode dtype = layer.take("dtype");
        layer.requireFloat32(dtype);
        layer.keras2Dtype = dtype == null || dtype.isTextual();
        return layer;
    }

    /**
     * The config object inside this one (e.g. a learning-rate schedule's, inside an optimizer's);
     * its errors name both.
     */
    public KerasConfig nested(String what, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw error(what + " needs a config object, got " + node);
        }
        return new KerasConfig(where + ": " + what, (ObjectNode) node);
    }

    /** False for a frozen layer, {@code trainable: false}. */
    public boolean trainable() {
        return trainable;
    }

    /** The layer's name, or null when the config has none. */
    public String name() {
        return name;
    }

    /** An error whose message starts with where the config came from. */
    public IllegalArgumentException error(String message) {
        return new Invalid(where + ": " + message);
    }

    /**
     * The value {@code construct} builds; a validation failure of a constructor (which names the
     * class and field, e.g. {@code Conv2D.filters must be > 0}) is prefixed with where the config
     * came from.
     */
    public <T> T build(Supplier<T> construct) {
        try {
            return construct.get();
        } catch (Invalid e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** The field, or null when absent or JSON null; marks it as understood. */
    public JsonNode take(String field) {
        used.add(field);
        JsonNode node = config.get(field);
        return node == null || node.isNull() ? null : node;
    }

    /** An integer field; {@code fallback} null makes it required. */
    public int integer(String field, Integer fallback) {
        JsonNode node = take(field);
        if (node == null) {
            return required(field, fallback);
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw error(field + " must be an integer, got " + node);
        }
        return node.intValue();
    }

    /** A long integer field, such as a step count; {@code fallback} null makes it required. */
    public long longInteger(String field, Long fallback) {
        JsonNode node = take(field);
        if (node == null) {
            return required(field, fallback);
        }
        // Keras writes some step counts through Python floats (e.g. 1000.0).
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isFloatingPointNumber() && node.doubleValue() == Math.rint(node.doubleValue())
                && Math.abs(node.doubleValue()) < 0x1p53) {
            return (long) node.doubleValue();
        }
        throw error(field + " must be an integer, got " + node);
    }

    /** A number field; {@code fallback} null makes it required. */
    public double number(String field, Double fallback) {
        JsonNode node = take(field);
        if (node == null) {
            return required(field, fallback);
        }
        if (!node.isNumber()) {
            throw error(field + " must be a number, got " + node);
        }
        return node.doubleValue();
    }

    /** A true/false field. */
    public boolean bool(String field, boolean fallback) {
        JsonNode node = take(field);
        if (node == null) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw error(field + " must be true or false, got " + node);
        }
        return node.booleanValue();
    }

    /** A string field; {@code fallback} null makes it required. */
    public String string(String field, String fallback) {
        JsonNode node = take(field);
        if (node == null) {
            return required(field, fallback);
        }
        if (!node.isTextual()) {
            throw error(field + " must be a string, got " + node);
        }
        return node.textValue();
    }

    /** An int or a pair of ints, as Keras accepts for kernel sizes, strides and pool sizes. */
    public int[] pair(String field, int[] fallback) {
        JsonNode node = take(field);
        if (node == null) {
            return required(field, fallback);
        }
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return new int[] {node.intValue(), node.intValue()};
        }
        if (node.isArray() && node.size() == 2 && node.get(0).isIntegralNumber() && node.get(0).canConvertToInt()
                && node.get(1).isIntegralNumber() && node.get(1).canConvertToInt()) {
            return new int[] {node.get(0).intValue(), node.get(1).intValue()};
        }
        throw error(field + " must be an integer or a pair of integers, got " + node);
    }

    private <T> T required(String field, T fallback) {
        if (fallback == null) {
            throw error("missing required setting '" + field + "'");
        }
        return fallback;
    }

    /** The {@code padding} field, 'valid' when absent. */
    public Padding padding() {
        String padding = string("padding", "valid");
        try {
            return Padding.fromKeras(padding.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** Refuses {@code data_format} other than channels_last: Sightline computes in NHWC. */
    public void requireChannelsLast() {
        JsonNode format = take("data_format");
        if (format != null && !format.asText().equals("channels_last")) {
            throw error("data_format '" + format.asText() + "' is not supported; Sightline is channels_last (NHWC)");
        }
    }

    /**
     * The {@code activation} field; linear when absent unless {@code required}. {@code hard_sigmoid} is
     * Keras 2's or Keras 3's as the config's dtype spelling says (see the class comment).
     */
    public ActivationFunction activation(boolean required) {
        JsonNode node = take("activation");
        if (node == null) {
            if (required) {
                throw error("missing required setting 'activation'");
            }
            return ActivationFunction.LINEAR;
        }
        String function;
        if (node.isTextual()) {
            function = node.textValue();
        } else if (node.isObject() && node.path("config").isTextual()) {
            function = node.get("config").textValue(); // Keras 3 writes some functions as {"config": "relu"}.
        } else {
            function = node.path("class_name").asText(node.toString());
        }
        try {
            return ActivationFunction.fromKeras(function, keras2Dtype);
        } catch (IllegalArgumentException e) {
            throw error("activation: " + e.getMessage());
        }
    }

    /**
     * Reads a config whose weights come with it (an imported Keras file): initializers Sightline lacks are
     * then no concern and are not logged.
     */
    public static <R> R withTrainedWeights(java.util.function.Supplier<R> read) {
        WEIGHTS_FOLLOW.set(true);
        try {
            return read.get();
        } finally {
            WEIGHTS_FOLLOW.remove();
        }
    }

    /**
     * Reads an initializer field. Initializers only matter before training, so one other than the
     * Keras default Sightline uses ({@code expected}) is logged, not refused.
     */
    public void initializer(String field, Initializer expected) {
        JsonNode node = take(field);
        if (node == null) {
            return;
        }
        String className = node.isTextual() ? node.textValue() : node.path("class_name").asText("");
        String normalized = className.toLowerCase(Locale.ROOT).replace("_", "");
        String wanted = initializerClass(expected).toLowerCase(Locale.ROOT);
        JsonNode settings = node.path("config");
        // Keras 2.0 spelled Glorot-uniform as VarianceScaling(1, fan_avg, uniform).
        boolean glorot = normalized.equals("variancescaling") && settings.path("scale").asDouble() == 1.0
                && settings.path("mode").asText().equals("fan_avg")
                && settings.path("distribution").asText().equals("uniform");
        if (!normalized.equals(wanted) && !(glorot && expected == Initializer.GLOROT_UNIFORM) && !WEIGHTS_FOLLOW.get()) {
            LOG.warn("{}: {} {} is not supported; Sightline initializes it as Keras's default ({})", where, field,
                    className, wanted);
        }
    }

    /** A constraint field of a kernel of {@code kernelRank} axes: none, or MaxNorm in any Keras spelling. */
    public Constraint constraint(String field, int kernelRank) {
        JsonNode node = take(field);
        if (node == null) {
            return Constraint.none();
        }
        String className = node.isTextual() ? node.textValue() : node.path("class_name").asText("");
        // Keras 2 also registered MaxNorm as max_norm and maxnorm.
        if (!className.toLowerCase(Locale.ROOT).replace("_", "").equals("maxnorm")) {
            throw error(field + " " + className + " is not supported; Sightline supports MaxNorm");
        }
        JsonNode settings = node.path("config");
        double maxValue = settings.path("max_value").isNumber() ? settings.get("max_value").doubleValue()
                : DEFAULT_MAX_NORM;
        JsonNode axisNode = settings.get("axis");
        int[] axes;
        if (axisNode == null || axisNode.isNull()) {
            axes = new int[] {0};
        } else if (axisNode.isIntegralNumber()) {
            axes = new int[] {axisNode.intValue()};
        } else if (axisNode.isArray() && !axisNode.isEmpty()) {
            axes = new int[axisNode.size()];
            for (int i = 0; i < axes.length; i++) {
                if (!axisNode.get(i).isIntegralNumber()) {
                    throw error(field + " MaxNorm axis must be an integer or a list of integers, got " + axisNode);
                }
                axes[i] = axisNode.get(i).intValue();
            }
        } else {
            throw error(field + " MaxNorm axis must be an integer or a list, got " + axisNode);
        }
        for (int i = 0; i < axes.length; i++) {
            int axis = axes[i] < 0 ? axes[i] + kernelRank : axes[i];
            if (axis < 0 || axis >= kernelRank) {
                throw error(field + " MaxNorm axis " + axisNode + " is outside the kernel's " + kernelRank + " axes");
            }
            axes[i] = axis;
        }
        try {
            return new MaxNorm(maxValue, axes);
        } catch (IllegalArgumentException e) {
            throw error(field + ": " + e.getMessage());
        }
    }

    /**
     * A weight regularizer field: none, or an {@code L1}, {@code L2} or {@code L1L2} object as Keras 2 and
     * 3 write them, a factor left out taking the default of Keras's constructor (0.01 for {@code L1} and
     * {@code L2}, 0 for {@code L1L2}).
     */
    public Regularizer regularizer(String field) {
        JsonNode node = take(field);
        if (node == null) {
            return Regularizer.none();
        }
        if (!node.isObject()) {
            throw error(field + " must be a regularizer object, got " + node);
        }
        // Keras registers each class under its function name too (l1, l2, l1_l2).
        String className = node.path("class_name").asText("");
        JsonNode settings = node.path("config");
        return switch (className.toLowerCase(Locale.ROOT).replace("_", "")) {
            case "l1" -> regularizer(field, factor(field, settings, "l1", 0.01), 0);
            case "l2" -> regularizer(field, 0, factor(field, settings, "l2", 0.01));
            case "l1l2" -> regularizer(field, factor(field, settings, "l1", 0), factor(field, settings, "l2", 0));
            default -> throw error(field + " " + className + " is not supported; Sightline supports L1, L2 and L1L2");
        };
    }

    private double factor(String field, JsonNode settings, String name, double fallback) {
        JsonNode value = settings.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw error(field + " " + name + " must be a number, got " + value);
        }
        return value.doubleValue();
    }

    private Regularizer regularizer(String field, double l1, double l2) {
        try {
            return new Regularizer(l1, l2);
        } catch (IllegalArgumentException e) {
            throw error(field + ": " + e.getMessage());
        }
    }

    /**
     * The input shape an {@code InputLayer} declares: Keras 3's {@code batch_shape} or Keras 2's
     * {@code batch_input_shape}.
     */
    public Shape inputLayerShape() {
        JsonNode shape = take("batch_shape");
        JsonNode legacy = take("batch_input_shape");
        if (shape == null) {
            shape = legacy;
        }
        if (shape == null) {
            throw error("needs batch_shape (Keras 3) or batch_input_shape (Keras 2)");
        }
        return batchShape(shape);
    }

    /** A Keras batch shape {@code [batch, dims...]} as the shape of one example. */
    public Shape batchShape(JsonNode node) {
        if (!node.isArray() || node.size() < 2) {
            throw error("input shape must be [batch, dims...], got " + node);
        }
        JsonNode batch = node.get(0);
        if (!batch.isNull() && !batch.isIntegralNumber()) {
            throw error("input shape " + node + " has a non-integer batch size");
        }
        int[] dims = new int[node.size() - 1];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = node.get(i + 1);
            if (d.isNull()) {
                throw error("input shape " + node + " has a variable dimension; Sightline needs fixed sizes");
            }
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() <= 0) {
                throw error("input shape " + node + " has an invalid dimension " + d);
            }
            dims[i] = d.intValue();
        }
        try {
            return Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private void requireFloat32(JsonNode dtype) {
        if (dtype == null) {
            return;
        }
        String dtypeName = dtype.isTextual() ? dtype.textValue() : dtype.path("config").path("name").asText("?");
        if (!dtypeName.equals(FLOAT32)) {
            throw error("dtype policy '" + dtypeName + "' is not supported; Sightline computes in float32");
        }
    }

    /**
     * Any field not read must hold its "off" value (null, false, empty): anything else might change
     * what the layer computes.
     */
    public void rejectUnknown() {
        Iterator<Map.Entry<String, JsonNode>> fields = config.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (!used.contains(field.getKey()) && !isOff(value)) {
                String shown = value.toString();
                throw error("unsupported setting " + field.getKey() + " = "
                        + (shown.length() > 120 ? shown.substring(0, 117) + "..." : shown));
            }
        }
    }

    /** Whether a field's value means "feature not used": null, false or empty. */
    public static boolean isOff(JsonNode value) {
        return value == null || value.isNull() || (value.isBoolean() && !value.booleanValue())
                || (value.isContainerNode() && value.isEmpty());
    }

    // ---------------------------------------------------------------- writing

    /** Keras 3's serialized object: {@code module}, {@code class_name}, {@code config}, {@code registered_name}. */
    public static ObjectNode kerasObject(String module, String className, ObjectNode config) {
        ObjectNode node = NODES.objectNode();
        node.put("module", module);
        node.put("class_name", className);
        node.set("config", config);
        node.putNull("registered_name");
        return node;
    }

    /** Keras 3's float32 {@code DTypePolicy}. */
    public static ObjectNode dtypePolicy() {
        ObjectNode config = NODES.objectNode();
        config.put("name", FLOAT32);
        return kerasObject("keras", "DTypePolicy", config);
    }

    /** {@code shape} as Keras's batch shape, {@code [null, dims...]}. */
    public static ArrayNode batchShape(Shape shape) {
        ArrayNode node = NODES.arrayNode().addNull();
        for (int d : shape.dims()) {
            node.add(d);
        }
        return node;
    }

    private static String initializerClass(Initializer initializer) {
        return switch (initializer) {
            case GLOROT_UNIFORM -> "GlorotUniform";
            case ZEROS -> "Zeros";
            case ONES -> "Ones";
        };
    }

    /**
     * A layer's config in Keras 3 spelling, started with the fields every layer has (name, trainable,
     * dtype policy); each layer adds its own in the order Keras writes them.
     */
    public static final class Writer {
        private final ObjectNode config = NODES.objectNode();
        private boolean recordsInputShape;

        /** A layer config with its name, trainable and dtype. */
        public Writer(String name) {
            config.put("name", name);
            config.put("trainable", true);
            config.set("dtype", dtypePolicy());
        }

        public Writer put(String field, int value) {
            config.put(field, value);
            return this;
        }

        public Writer put(String field, double value) {
            config.put(field, value);
            return this;
        }

        public Writer put(String field, boolean value) {
            config.put(field, value);
            return this;
        }

        public Writer put(String field, String value) {
            config.put(field, value);
            return this;
        }

        /** Fields Keras writes as null when the feature is off. */
        public Writer putNull(String... fields) {
            for (String field : fields) {
                config.putNull(field);
            }
            return this;
        }

        public Writer pair(String field, int first, int second) {
            config.set(field, NODES.arrayNode().add(first).add(second));
            return this;
        }

        /** A list of integers, such as a normalisation layer's axes. */
        public Writer list(String field, int... values) {
            ArrayNode list = config.putArray(field);
            for (int v : values) {
                list.add(v);
            }
            return this;
        }

        public Writer activation(ActivationFunction function) {
            config.put("activation", function.kerasName());
            if (function == ActivationFunction.HARD_SIGMOID_KERAS2) {
                // Keras 3 has no name for Keras 2's hard sigmoid; Keras 2's spelling of the dtype is what
                // makes the reader take hard_sigmoid as Keras 2's (Keras 3 itself reads this dtype too).
                config.put("dtype", FLOAT32);
            }
            return this;
        }

        public Writer padding(Padding padding) {
            config.put("padding", padding.kerasName());
            return this;
        }

        public Writer channelsLast() {
            config.put("data_format", "channels_last");
            return this;
        }

        /** An initializer object; Glorot-uniform with Keras's {@code seed: null}. */
        public Writer initializer(String field, Initializer initializer) {
            ObjectNode settings = NODES.objectNode();
            if (initializer == Initializer.GLOROT_UNIFORM) {
                settings.putNull("seed");
            }
            config.set(field, kerasObject("keras.initializers", initializerClass(initializer), settings));
            return this;
        }

        /** A constraint object, or null for none; a single MaxNorm axis as a number, as Keras writes it. */
        public Writer constraint(String field, Constraint constraint) {
            if (constraint instanceof MaxNorm maxNorm) {
                ObjectNode settings = NODES.objectNode();
                settings.put("max_value", maxNorm.maxValue());
                int[] axes = maxNorm.axes();
                if (axes.length == 1) {
                    settings.put("axis", axes[0]);
                } else {
                    ArrayNode list = settings.putArray("axis");
                    for (int a : axes) {
                        list.add(a);
                    }
                }
                config.set(field, kerasObject("keras.constraints", "MaxNorm", settings));
            } else {
                config.putNull(field);
            }
            return this;
        }

        /**
         * A regularizer object, or null for none: Keras 3's {@code L1} or {@code L2} where the other
         * factor is 0, {@code L1L2} otherwise.
         */
        public Writer regularizer(String field, Regularizer regularizer) {
            if (regularizer.isNone()) {
                config.putNull(field);
                return this;
            }
            ObjectNode settings = NODES.objectNode();
            String className;
            if (regularizer.l2() == 0) {
                className = "L1";
                settings.put("l1", regularizer.l1());
            } else if (regularizer.l1() == 0) {
                className = "L2";
                settings.put("l2", regularizer.l2());
            } else {
                className = "L1L2";
                settings.put("l1", regularizer.l1()).put("l2", regularizer.l2());
            }
            config.set(field, kerasObject("keras.regularizers", className, settings));
            return this;
        }

        /**
         * Marks a layer whose {@code build()} runs in Keras 3: Keras records its input shape in a
         * {@code build_config}.
         */
        public Writer recordInputShape() {
            recordsInputShape = true;
            return this;
        }

        /** Whether the layer's object gets a {@code build_config} with its input shape. */
        public boolean recordsInputShape() {
            return recordsInputShape;
        }

        /** The config written so far. */
        public ObjectNode config() {
            return config;
        }
    }

    /** An error in a config whose message already names where it came from and the field. */
    private static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }
}
