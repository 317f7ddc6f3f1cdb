package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Regularizer;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.CosineDecay;
import org.sightline.compile.ExponentialDecay;
import org.sightline.compile.Loss;
import org.sightline.compile.Metric;
import org.sightline.compile.Sgd;
import org.sightline.model.Layer;

class KerasJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KERAS2 = "keras2-emotion-cnn.json";
    private static final String KERAS3 = "keras3-handwriting-cnn.json";

    private static String resource(String name) throws IOException {
        try (InputStream in = KerasJsonTest.class.getResourceAsStream("/keras/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Path resourcePath(String name) throws URISyntaxException {
        return Path.of(KerasJsonTest.class.getResource("/keras/" + name).toURI());
    }

    /** A real config with one change, to see that the change alone is refused. */
    private static String edited(String name, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(resource(name));
        edit.accept(root);
        return root.toString();
    }

    private static ObjectNode layerConfig(ObjectNode root, int index) {
        return (ObjectNode) root.get("config").get("layers").get(index).get("config");
    }

    private static IllegalArgumentException rejected(String json, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasJson.modelFromJson(json, "model.json"));
        assertTrue(e.getMessage().startsWith("model.json: "), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
        return e;
    }

    @Test
    void frozenLayersAreReadAndWrittenAndHoldTheirWeights() throws Exception {
        // Keras's layer.trainable = False: the layer's weights are non-trainable, the config round-trips.
        Network model = KerasJson.modelFromJson(edited(KERAS3, r -> layerConfig(r, 10).put("trainable", false)));
        assertEquals(Set.of("dense"), model.frozenLayers());
        assertTrue(model.weights().stream().filter(w -> w.layerName().equals("dense"))
                .noneMatch(w -> w.spec().trainable()));
        assertTrue(KerasJson.toJson(model).contains("\"trainable\":false"));
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
        // A nested Sequential frozen as a whole freezes each of its layers.
        String nested = """
                {"class_name": "Sequential", "config": {"name": "outer", "layers": [
                  {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "in"}},
                  {"class_name": "Sequential", "config": {"name": "base", "trainable": false, "layers": [
                    {"class_name": "Dense", "config": {"name": "d1", "units": 3}}]}},
                  {"class_name": "Dense", "config": {"name": "d2", "units": 2, "activation": "softmax"}}]}}""";
        assertEquals(Set.of("d1"), KerasJson.modelFromJson(nested).frozenLayers());
    }

    @Test
    void aSequentialNestedInASequentialJoinsItsLayers() {
        // Keras 3 users put augmentation or rescaling blocks in a Sequential inside their Sequential.
        String json = """
                {"class_name": "Sequential", "config": {"name": "outer", "layers": [
                  {"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 3], "name": "in"}},
                  {"class_name": "Sequential", "config": {"name": "prep", "layers": [
                    {"class_name": "Rescaling", "config": {"name": "rescaling", "scale": 0.5, "offset": 0.0}}]}},
                  {"class_name": "Flatten", "config": {"name": "flatten"}},
                  {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "softmax"}}]}}""";
        Network model = KerasJson.modelFromJson(json);
        assertEquals(List.of("rescaling", "flatten", "dense"), model.layers().stream().map(l -> l.name()).toList());
        assertEquals(8 * 8 * 3 * 2 + 2, model.totalParams());

        String mismatched = json.replace("{\"name\": \"prep\", \"layers\": [",
                "{\"name\": \"prep\", \"layers\": [{\"class_name\": \"InputLayer\", \"config\": "
                        + "{\"batch_shape\": [null, 4, 4, 3], \"name\": \"prep_in\"}},");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasJson.modelFromJson(mismatched));
        assertTrue(e.getMessage().contains("layer 1 'prep' (Sequential): takes (None, 4, 4, 3) but follows a layer of "
                + "output (None, 8, 8, 3)"), e.getMessage());
    }

    @Test
    void referenceModelRoundTrips() {
        Sequential model = ReferenceModels.cifar10Cnn();
        Network read = KerasJson.modelFromJson(KerasJson.toJson(model));
        assertEquals(model, read);
        assertEquals(model.summary(), read.summary());
        assertEquals(2_264_458, read.totalParams());
    }

    @Test
    void everySupportedSettingRoundTrips() {
        Sequential model = Sequential.builder(Shape.image(17, 13, 2)).name("everything")
                .add(Conv2D.of(4, 3).withStrides(2, 1).withPadding(Padding.SAME).withUseBias(false)
                        .withActivation(ActivationFunction.TANH)
                        .withKernelConstraint(new MaxNorm(1.5, new int[] {0, 1, 2})))
                .add(new BatchNormalization("bn", 0.9, 1e-5))
                .add(new AveragePooling2D(null, new PoolingWindow(3, 2, 1, 2, Padding.SAME)))
                .add(new MaxPooling2D("pool", new PoolingWindow(2, 2, 1, 1, Padding.VALID)))
                .add(Activation.of(ActivationFunction.SIGMOID))
                .add(Flatten.of())
                .add(Dropout.of(0.125))
                .add(Dense.of(5).withKernelConstraint(MaxNorm.of(3)).withActivation(ActivationFunction.RELU))
                .add(Dense.of(3).withUseBias(false).withActivation(ActivationFunction.SOFTMAX))
                .build();
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void writesTheKeras3Spelling() throws IOException {
        JsonNode root = JSON.readTree(KerasJson.toJson(ReferenceModels.cifar10Cnn()));
        assertEquals("keras", root.get("module").asText());
        assertEquals("Sequential", root.get("class_name").asText());
        JsonNode layers = root.get("config").get("layers");
        assertEquals(ReferenceModels.cifar10Cnn().layers().size() + 1, layers.size());
        JsonNode input = layers.get(0);
        assertEquals("InputLayer", input.get("class_name").asText());
        assertEquals("[null,32,32,3]", input.get("config").get("batch_shape").toString());
        JsonNode conv = layers.get(1);
        assertEquals("keras.layers", conv.get("module").asText());
        assertEquals("conv2d", conv.get("config").get("name").asText());
        assertEquals("float32", conv.get("config").get("dtype").get("config").get("name").asText());
        assertEquals("[3,3]", conv.get("config").get("kernel_size").toString());
        assertEquals("same", conv.get("config").get("padding").asText());
        assertEquals("[null,32,32,3]", conv.get("build_config").get("input_shape").toString());
        JsonNode dense = layers.get(21);
        assertEquals("dense", dense.get("config").get("name").asText());
        assertEquals("{\"module\":\"keras.constraints\",\"class_name\":\"MaxNorm\","
                + "\"config\":{\"max_value\":3.0,\"axis\":0},\"registered_name\":null}",
                dense.get("config").get("kernel_constraint").toString());
    }

    @Test
    void readsARealKeras2Config() throws Exception {
        Network model = KerasJson.modelFromJson(resourcePath(KERAS2));
        assertEquals("sequential_3", model.name());
        assertEquals(Shape.image(48, 48, 1), model.inputShape());
        assertEquals(30, model.layers().size());
        assertEquals(new Conv2D("conv2d_4", 64, 3, 3, 1, 1, Padding.SAME, ActivationFunction.LINEAR, true,
                org.sightline.model.Constraint.none()), model.layers().get(0));
        assertEquals(new BatchNormalization("batch_normalization_6", 0.99, 0.001), model.layers().get(1));
        assertEquals(new Dropout("dropout_6", 0.25), model.layers().get(4));
        assertEquals(new Dense("dense_5", 7, ActivationFunction.SOFTMAX, true, org.sightline.model.Constraint.none()),
                model.layers().get(29));
        // Counted by hand from the layers: BatchNormalization after Dense (axis [1]) is read too.
        assertEquals(4_478_727, model.totalParams());
        assertEquals(3_968, model.nonTrainableParams());
        assertEquals(7, model.numClasses());
    }

    @Test
    void readsARealKeras3Config() throws Exception {
        Sequential model = (Sequential) KerasJson.modelFromJson(resourcePath(KERAS3));
        assertEquals("sequential", model.name());
        assertEquals(Shape.image(28, 28, 1), model.inputShape());
        assertEquals(List.of("conv2d", "max_pooling2d", "batch_normalization", "conv2d_1", "max_pooling2d_1",
                "batch_normalization_1", "conv2d_2", "batch_normalization_2", "flatten", "dense", "dropout",
                "dense_1", "dropout_1", "dense_2"),
                model.layers().stream().map(l -> l.name()).toList());
        assertEquals(Shape.of(1152), model.outputShape(8));
        assertEquals(250_058, model.totalParams());
        assertEquals(448, model.nonTrainableParams());
        // What Sightline reads, it writes back and reads again unchanged.
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void readsTheListShapedConfigOfKeras20() throws Exception {
        Sequential model = (Sequential) KerasJson.modelFromJson(resourcePath("keras2.0-list-config-cnn.json"));
        assertEquals(Sequential.DEFAULT_NAME, model.name());
        assertEquals(Shape.image(150, 150, 3), model.inputShape());
        assertEquals(15, model.layers().size());
        assertEquals(Shape.of(18_496), model.outputShape(9));
        assertEquals(1_212_513, model.totalParams());
        assertEquals(new Activation("activation_5", ActivationFunction.SIGMOID), model.layers().get(14));
    }

    @Test
    void readsARealConfigWithL2Regularizers() throws Exception {
        Sequential model = (Sequential) KerasJson.modelFromJson(resourcePath("keras2-l2-regularized-cnn.json"));
        // tf-keras 2.15 wrote L2(1e-4) with the factor as float32, on every kernel and no bias.
        Regularizer l2 = Regularizer.l2(9.999999747378752e-05);
        List<String> regularized = model.weights().stream().filter(w -> w.spec().regularizer().equals(l2))
                .map(ModelWeight::key).toList();
        assertEquals(List.of("conv2d/kernel", "conv2d_1/kernel", "conv2d_2/kernel", "conv2d_3/kernel", "dense/kernel",
                "dense_1/kernel"), regularized);
        assertEquals(6, model.weights().stream().filter(w -> !w.spec().regularizer().isNone()).count());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void everyUnsupportedLayerClassIsNamedAtOnce() throws IOException {
        String json = edited(KERAS3, root -> {
            ((ObjectNode) root.get("config").get("layers").get(4)).put("class_name", "LSTM");
            ((ObjectNode) root.get("config").get("layers").get(7)).put("class_name", "GRU");
        });
        rejected(json, "unsupported layers 'conv2d_1' (LSTM), 'conv2d_2' (GRU); Sightline supports InputLayer, Conv2D");
    }

    @Test
    void modelClassesOtherThanSequentialAndFunctionalAreRefused() throws IOException {
        rejected(edited(KERAS3, root -> root.put("class_name", "Subclassed")),
                "expected a Sequential or Functional model config, got class_name 'Subclassed'");
    }

    @Test
    void settingsThatWouldChangeTheModelAreRefused() throws IOException {
        rejected(edited(KERAS3, r -> layerConfig(r, 1).put("data_format", "channels_first")),
                "layer 1 'conv2d' (Conv2D)", "data_format 'channels_first' is not supported");
        rejected(edited(KERAS3, r -> layerConfig(r, 9).put("data_format", "channels_first")),
                "layer 9 'flatten' (Flatten)", "channels_first");
        rejected(edited(KERAS3, r -> layerConfig(r, 2).put("data_format", "channels_first")),
                "layer 2 'max_pooling2d' (MaxPooling2D)", "channels_first");
        rejected(edited(KERAS3, r -> {
            layerConfig(r, 1).putArray("dilation_rate").add(2).add(2);
            layerConfig(r, 1).putArray("strides").add(2).add(1);
        }), "layer 1 'conv2d' (Conv2D)", "Conv2D.dilation_rate (2, 2) > 1 cannot go with strides (2, 1) > 1");
        rejected(edited(KERAS3, r -> layerConfig(r, 4).put("groups", 5)), "layer 4 'conv2d_1'",
                "Conv2D.filters (64) must be divisible by groups (5)");
        rejected(edited(KERAS3, r -> layerConfig(r, 4).put("groups", 64)), "layer 4 'conv2d_1'",
                "input channels (32) must be divisible by groups (64)");
        rejected(edited(KERAS3, r -> layerConfig(r, 3).putArray("axis").add(1).add(3)),
                "layer 3 'batch_normalization' (BatchNormalization)", "axis must be one integer, got [1,3]");
        rejected(edited(KERAS3, r -> layerConfig(r, 3).put("axis", 0)),
                "layer 3 'batch_normalization' (BatchNormalization)", "axis 0 is not an axis of an example");
        rejected(edited(KERAS3, r -> ((ObjectNode) layerConfig(r, 10).get("dtype").get("config"))
                .put("name", "mixed_float16")), "dtype policy 'mixed_float16' is not supported");
        rejected(edited(KERAS3, r -> layerConfig(r, 10).put("lora_rank", 4)),
                "layer 10 'dense' (Dense): unsupported setting lora_rank = 4");
        rejected(edited(KERAS3, r -> layerConfig(r, 11).putArray("noise_shape").add(1).add(128)),
                "layer 11 'dropout' (Dropout): unsupported setting noise_shape");
        rejected(edited(KERAS3, r -> layerConfig(r, 10).put("activation", "mish")),
                "layer 10 'dense' (Dense)", "Unknown activation 'mish'");
        rejected(edited(KERAS3, r -> layerConfig(r, 1).put("filters", -3)), "Conv2D.filters must be > 0, got -3");
        rejected(edited(KERAS3, r -> layerConfig(r, 1).put("padding", "causal")), "Unknown padding 'causal'");
        rejected(edited(KERAS3, r -> layerConfig(r, 10).putObject("kernel_constraint").put("class_name", "NonNeg")),
                "kernel_constraint NonNeg is not supported");
        rejected(edited(KERAS3, r -> layerConfig(r, 10).remove("units")), "missing required setting 'units'");
    }

    @Test
    void inputShapeProblemsAreRefused() throws IOException {
        rejected(edited(KERAS3, r -> layerConfig(r, 0).putArray("batch_shape").addNull().addNull().addNull().add(1)),
                "layer 0 'input_layer' (InputLayer)", "has a variable dimension");
        rejected(edited(KERAS3, r -> {
            ((com.fasterxml.jackson.databind.node.ArrayNode) r.get("config").get("layers")).remove(0);
            ((ObjectNode) r.get("config")).remove("build_input_shape");
            r.remove("build_config");
            ((ObjectNode) r.get("config").get("layers").get(0)).remove("build_config");
        }), "layer 0 'conv2d' (Conv2D): no input shape");
    }

    @Test
    void duplicateLayerNamesAreRefused() throws IOException {
        rejected(edited(KERAS3, r -> layerConfig(r, 10).put("name", "dense_1")), "Layer name 'dense_1' is used twice");
    }

    @Test
    void anInputLayerAnywhereButFirstIsRefused() throws IOException {
        rejected(edited(KERAS3, r -> ((com.fasterxml.jackson.databind.node.ArrayNode) r.get("config").get("layers"))
                .add(r.get("config").get("layers").get(0).deepCopy())),
                "(InputLayer): an InputLayer must be the first layer");
    }

    @Test
    void invalidJsonIsRefusedWithItsPosition() {
        rejected("{\"class_name\": \"Sequential\",\n \"config\": {\"layers\": [}", "not valid JSON at line 2");
        rejected("[1, 2]", "expected a JSON object");
    }

    @Test
    void legacyMaxNormSpellingsAndAxesAreRead() throws IOException {
        for (String className : List.of("MaxNorm", "max_norm", "maxnorm")) {
            String json = edited(KERAS3, r -> {
                ObjectNode constraint = layerConfig(r, 1).putObject("kernel_constraint");
                constraint.put("class_name", className);
                constraint.putObject("config").put("max_value", 4).putArray("axis").add(0).add(1).add(-2);
            });
            Conv2D conv = (Conv2D) KerasJson.modelFromJson(json).layers().get(0);
            MaxNorm maxNorm = assertInstanceOf(MaxNorm.class, conv.kernelConstraint());
            assertEquals(4.0, maxNorm.maxValue());
            assertArrayEquals(new int[] {0, 1, 2}, maxNorm.axes(), className);
        }
        String defaults = edited(KERAS3, r -> layerConfig(r, 10).put("kernel_constraint", "max_norm"));
        Dense dense = (Dense) KerasJson.modelFromJson(defaults).layers().get(9);
        assertEquals(new MaxNorm(2, new int[] {0}), dense.kernelConstraint());
        rejected(edited(KERAS3, r -> layerConfig(r, 10).putObject("kernel_constraint").put("class_name", "MaxNorm")
                .putObject("config").put("axis", 2)), "MaxNorm axis 2 is outside the kernel's 2 axes");
    }

    @Test
    void compileConfigRoundTrips() {
        CompileOptions options = new CompileOptions(new Adam(3e-4, 0.8, 0.99, 1e-8), Loss.CATEGORICAL_CROSSENTROPY,
                List.of(Metric.ACCURACY));
        assertEquals(options, KerasJson.compileConfigFromJson(KerasJson.compileConfigToJson(options), "test"));
        assertEquals(CompileOptions.reference(),
                KerasJson.compileConfigFromJson(KerasJson.compileConfigToJson(CompileOptions.reference()), "test"));
    }

    @Test
    void readsKeras3CompileConfigSpellings() {
        // Keras 3 writes a function loss as {"module": "builtins", "class_name": "function", "config": name}.
        String json = "{\"optimizer\": {\"module\": \"keras.optimizers\", \"class_name\": \"Adam\", \"config\": "
                + "{\"name\": \"adam\", \"learning_rate\": 0.0005000000237487257, \"weight_decay\": null, "
                + "\"clipnorm\": null, \"global_clipnorm\": null, \"clipvalue\": null, \"use_ema\": false, "
                + "\"ema_momentum\": 0.99, \"ema_overwrite_frequency\": null, \"loss_scale_factor\": null, "
                + "\"gradient_accumulation_steps\": null, \"beta_1\": 0.9, \"beta_2\": 0.999, \"epsilon\": 1e-07, "
                + "\"amsgrad\": false}, \"registered_name\": null}, \"loss\": {\"module\": \"builtins\", "
                + "\"class_name\": \"function\", \"config\": \"categorical_crossentropy\", \"registered_name\": "
                + "\"function\"}, \"loss_weights\": null, \"metrics\": [\"acc\"]}";
        CompileOptions options = KerasJson.compileConfigFromJson(json, "test");
        assertEquals(new Adam(0.0005000000237487257, 0.9, 0.999, 1e-7), options.optimizer());
        assertEquals(Loss.CATEGORICAL_CROSSENTROPY, options.loss());
        assertEquals(List.of(Metric.ACCURACY), options.metrics());
        assertEquals(Adam.defaults(), KerasJson.compileConfigFromJson(
                "{\"optimizer\": \"adam\", \"loss\": \"categorical_crossentropy\"}", "test").optimizer());
    }

    @Test
    void unsupportedCompileSettingsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KerasJson.compileConfigFromJson(
                "{\"optimizer\": \"rmsprop\", \"loss\": \"categorical_crossentropy\"}", "ckpt"))
                .getMessage().contains("ckpt: optimizer 'rmsprop' is not supported; Sightline supports Adam, SGD"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KerasJson.compileConfigFromJson(
                "{\"optimizer\": {\"class_name\": \"Adam\", \"config\": {\"amsgrad\": true}}, \"loss\": \"mse\"}",
                "ckpt")).getMessage().contains("ckpt: Adam amsgrad = true is not supported"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KerasJson.compileConfigFromJson(
                "{\"optimizer\": \"adam\", \"loss\": \"mse\"}", "ckpt"))
                .getMessage().contains("ckpt: loss 'mse' is not supported; expected one of [categorical_crossentropy, "
                        + "sparse_categorical_crossentropy]"));
    }

    @Test
    void theLayerClassesReadAreLayersPermittedSubclasses() throws ReflectiveOperationException {
        List<String> expected = new java.util.ArrayList<>(List.of("InputLayer"));
        for (Class<?> kind : Layer.class.getPermittedSubclasses()) {
            for (Class<?> type : kind.getPermittedSubclasses()) {
                expected.add((String) type.getField("KERAS_CLASS").get(null));
            }
        }
        assertEquals(expected, KerasJson.SUPPORTED_LAYERS);
    }

    @Test
    void aFieldOfTheWrongTypeNamesTheFileTheLayerAndTheField() throws IOException {
        rejected(edited(KERAS3, r -> layerConfig(r, 1).put("filters", "32")),
                "layer 1 'conv2d' (Conv2D): filters must be an integer, got \"32\"");
        rejected(edited(KERAS3, r -> layerConfig(r, 3).put("momentum", "high")),
                "layer 3 'batch_normalization' (BatchNormalization): momentum must be a number, got \"high\"");
        rejected(edited(KERAS3, r -> layerConfig(r, 2).putArray("pool_size").add(2).add(2).add(2)),
                "layer 2 'max_pooling2d' (MaxPooling2D): pool_size must be an integer or a pair of integers");
        rejected(edited(KERAS3, r -> layerConfig(r, 10).put("use_bias", "yes")),
                "layer 10 'dense' (Dense): use_bias must be true or false, got \"yes\"");
        rejected(edited(KERAS3, r -> ((ObjectNode) r.get("config")).put("name", 7)),
                "model.json: model: name must be a string, got 7");
    }

    private static CompileOptions compiled(String json) {
        return KerasJson.compileConfigFromJson(json, "ckpt");
    }

    private static void compileRefused(String json, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> compiled(json));
        assertTrue(e.getMessage().contains(message), "'" + message + "' missing from: " + e.getMessage());
    }

    @Test
    void sgdRoundTrips() throws IOException {
        for (Sgd sgd : List.of(Sgd.defaults(), new Sgd(0.1, 0.9, true), new Sgd(0.05, 0.5, false))) {
            CompileOptions options = CompileOptions.of(sgd);
            String json = KerasJson.compileConfigToJson(options);
            assertEquals(options, compiled(json));
            JsonNode optimizer = JSON.readTree(json).get("optimizer");
            assertEquals("SGD", optimizer.get("class_name").asText());
            assertEquals(sgd.momentum(), optimizer.get("config").get("momentum").asDouble());
            assertEquals(sgd.nesterov(), optimizer.get("config").get("nesterov").asBoolean());
        }
        assertEquals(Sgd.defaults(), compiled("{\"optimizer\": \"sgd\", \"loss\": \"categorical_crossentropy\"}")
                .optimizer());
    }

    @Test
    void readsKeras3AndKeras2SgdSpellings() {
        String keras3 = "{\"optimizer\": {\"module\": \"keras.optimizers\", \"class_name\": \"SGD\", \"config\": "
                + "{\"name\": \"SGD\", \"learning_rate\": 0.10000000149011612, \"weight_decay\": null, "
                + "\"clipnorm\": null, \"global_clipnorm\": null, \"clipvalue\": null, \"use_ema\": false, "
                + "\"ema_momentum\": 0.99, \"ema_overwrite_frequency\": null, \"loss_scale_factor\": null, "
                + "\"gradient_accumulation_steps\": null, \"momentum\": 0.9, \"nesterov\": true}, "
                + "\"registered_name\": null}, \"loss\": \"categorical_crossentropy\", \"metrics\": [\"accuracy\"]}";
        assertEquals(new Sgd(0.10000000149011612, 0.9, true), compiled(keras3).optimizer());
        // Keras 2.2 and earlier: lr, and a legacy decay of 0.
        String keras22 = "{\"optimizer\": {\"class_name\": \"SGD\", \"config\": {\"lr\": 0.05, \"momentum\": 0.5, "
                + "\"decay\": 0.0, \"nesterov\": false}}, \"loss\": \"categorical_crossentropy\"}";
        assertEquals(new Sgd(0.05, 0.5, false), compiled(keras22).optimizer());
        compileRefused(keras22.replace("\"decay\": 0.0", "\"decay\": 1e-4"),
                "ckpt: SGD: decay = 1.0E-4 is not supported; use a learning-rate schedule");
        compileRefused(keras3.replace("\"momentum\": 0.9", "\"momentum\": \"0.9\""),
                "ckpt: SGD: momentum must be a number, got \"0.9\"");
        compileRefused(keras3.replace("\"nesterov\": true", "\"nesterov\": 1"),
                "ckpt: SGD: nesterov must be true or false, got 1");
        compileRefused(keras3.replace("\"momentum\": 0.9", "\"momentum\": 1.5"),
                "ckpt: SGD: SGD.momentum must be in [0, 1), got 1.5");
        compileRefused(keras3.replace("\"clipnorm\": null", "\"clipnorm\": 1.0"),
                "ckpt: SGD clipnorm = 1.0 is not supported");
    }

    @Test
    void learningRateSchedulesRoundTrip() {
        for (var schedule : List.of(new ExponentialDecay(1000, 0.96, true), new ExponentialDecay(7, 0.5, false),
                new CosineDecay(5000, 0.1), new CosineDecay(3, 0))) {
            for (CompileOptions options : List.of(CompileOptions.of(Adam.withLearningRate(3e-3).withSchedule(schedule)),
                    CompileOptions.of(new Sgd(0.2, 0.9, false).withSchedule(schedule)))) {
                assertEquals(options, compiled(KerasJson.compileConfigToJson(options)), options.toString());
            }
        }
    }

    @Test
    void writesSchedulesAsKeras3Does() throws IOException {
        JsonNode rate = JSON.readTree(KerasJson.compileConfigToJson(CompileOptions.of(
                new Sgd(0.1, 0, false).withSchedule(new ExponentialDecay(1000, 0.96, true)))))
                .get("optimizer").get("config").get("learning_rate");
        assertEquals("{\"module\":\"keras.optimizers.schedules\",\"class_name\":\"ExponentialDecay\",\"config\":"
                + "{\"initial_learning_rate\":0.1,\"decay_steps\":1000,\"decay_rate\":0.96,\"staircase\":true,"
                + "\"name\":\"ExponentialDecay\"},\"registered_name\":null}", rate.toString());
        JsonNode cosine = JSON.readTree(KerasJson.compileConfigToJson(CompileOptions.of(
                Adam.defaults().withSchedule(new CosineDecay(500, 0.25))))).get("optimizer").get("config");
        assertEquals("{\"initial_learning_rate\":0.001,\"decay_steps\":500,\"alpha\":0.25,\"name\":\"CosineDecay\","
                + "\"warmup_target\":null,\"warmup_steps\":0}", cosine.get("learning_rate").get("config").toString());
        // A constant rate stays a number, as before schedules.
        assertTrue(JSON.readTree(KerasJson.compileConfigToJson(CompileOptions.reference())).get("optimizer")
                .get("config").get("learning_rate").isNumber());
    }

    @Test
    void readsKeras3AndKeras2ScheduleSpellings() {
        String keras3 = "{\"optimizer\": {\"module\": \"keras.optimizers\", \"class_name\": \"Adam\", \"config\": "
                + "{\"name\": \"adam\", \"learning_rate\": {\"module\": \"keras.optimizers.schedules\", "
                + "\"class_name\": \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.01, "
                + "\"decay_steps\": 10000, \"decay_rate\": 0.9, \"staircase\": false, \"name\": "
                + "\"ExponentialDecay\"}, \"registered_name\": null}, \"use_ema\": false, \"beta_1\": 0.9, "
                + "\"beta_2\": 0.999, \"epsilon\": 1e-07, \"amsgrad\": false}, \"registered_name\": null}, "
                + "\"loss\": \"categorical_crossentropy\"}";
        assertEquals(Adam.withLearningRate(0.01).withSchedule(new ExponentialDecay(10000, 0.9, false)),
                compiled(keras3).optimizer());
        // tf.keras 2: no module, the schedule's name null, a legacy decay of 0, step counts as floats.
        String keras2 = "{\"optimizer\": {\"class_name\": \"Adam\", \"config\": {\"name\": \"Adam\", "
                + "\"learning_rate\": {\"class_name\": \"CosineDecay\", \"config\": {\"initial_learning_rate\": "
                + "0.001, \"decay_steps\": 5000.0, \"alpha\": 0.1, \"name\": null}}, \"decay\": 0.0, "
                + "\"beta_1\": 0.9, \"beta_2\": 0.999, \"epsilon\": 1e-07, \"amsgrad\": false}}, "
                + "\"loss\": \"categorical_crossentropy\"}";
        assertEquals(Adam.defaults().withSchedule(new CosineDecay(5000, 0.1)), compiled(keras2).optimizer());
        compileRefused(keras3.replace("\"decay_steps\": 10000", "\"decay_steps\": \"often\""),
                "ckpt: Adam: learning_rate ExponentialDecay: decay_steps must be an integer, got \"often\"");
        compileRefused(keras3.replace("\"decay_steps\": 10000, ", ""),
                "ckpt: Adam: learning_rate ExponentialDecay: missing required setting 'decay_steps'");
        compileRefused(keras3.replace("\"decay_rate\": 0.9", "\"decay_rate\": -1"),
                "ExponentialDecay.decay_rate must be a finite number > 0, got -1.0");
        compileRefused(keras3.replace("\"initial_learning_rate\": 0.01", "\"initial_learning_rate\": \"0.01\""),
                "ckpt: Adam: learning_rate ExponentialDecay: initial_learning_rate must be a number");
        compileRefused(keras3.replace("\"ExponentialDecay\", \"config\"", "\"PiecewiseConstantDecay\", \"config\""),
                "ckpt: Adam: learning_rate schedule 'PiecewiseConstantDecay' is not supported; Sightline supports "
                        + "ExponentialDecay, CosineDecay");
        compileRefused(keras2.replace("\"name\": null", "\"name\": null, \"warmup_steps\": 100"),
                "ckpt: Adam: learning_rate CosineDecay: warmup_steps = 100 is not supported");
        compileRefused(keras2.replace("\"name\": null", "\"name\": null, \"warmup_target\": 0.01"),
                "ckpt: Adam: learning_rate CosineDecay: unsupported setting warmup_target = 0.01");
        compileRefused(keras3.replace("\"learning_rate\": {", "\"learning_rate\": [1], \"x\": {"),
                "ckpt: Adam: learning_rate must be a number or a schedule, got [1]");
    }

    @Test
    void lossesFromLogitsAreReadAndWrittenAsKerasObjects() throws IOException {
        for (Loss loss : List.of(new Loss(false, true), new Loss(true, true), Loss.SPARSE_CATEGORICAL_CROSSENTROPY)) {
            CompileOptions options = new CompileOptions(Adam.defaults(), loss, List.of(Metric.ACCURACY));
            assertEquals(options, compiled(KerasJson.compileConfigToJson(options)), loss.toString());
        }
        JsonNode written = JSON.readTree(KerasJson.compileConfigToJson(new CompileOptions(Adam.defaults(),
                new Loss(false, true), List.of()))).get("loss");
        assertEquals("{\"module\":\"keras.losses\",\"class_name\":\"CategoricalCrossentropy\",\"config\":"
                + "{\"name\":\"categorical_crossentropy\",\"reduction\":\"sum_over_batch_size\",\"from_logits\":true,"
                + "\"label_smoothing\":0.0,\"axis\":-1},\"registered_name\":null}", written.toString());
        // Without logits the loss stays a name, as before.
        assertEquals("\"categorical_crossentropy\"",
                JSON.readTree(KerasJson.compileConfigToJson(CompileOptions.reference())).get("loss").toString());

        String keras3 = "{\"optimizer\": \"adam\", \"loss\": {\"module\": \"keras.losses\", \"class_name\": "
                + "\"SparseCategoricalCrossentropy\", \"config\": {\"name\": \"sparse_categorical_crossentropy\", "
                + "\"reduction\": \"sum_over_batch_size\", \"from_logits\": true, \"ignore_class\": null}, "
                + "\"registered_name\": null}}";
        assertEquals(new Loss(true, true), compiled(keras3).loss());
        String keras2 = "{\"optimizer\": \"adam\", \"loss\": {\"class_name\": \"CategoricalCrossentropy\", "
                + "\"config\": {\"reduction\": \"auto\", \"name\": \"categorical_crossentropy\", \"from_logits\": "
                + "false, \"label_smoothing\": 0.0, \"axis\": -1}}}";
        assertEquals(Loss.CATEGORICAL_CROSSENTROPY, compiled(keras2).loss());
        compileRefused(keras2.replace("\"label_smoothing\": 0.0", "\"label_smoothing\": 0.1"),
                "ckpt: loss CategoricalCrossentropy: label_smoothing = 0.1 is not supported");
        compileRefused(keras2.replace("\"from_logits\": false", "\"from_logits\": \"no\""),
                "ckpt: loss CategoricalCrossentropy: from_logits must be true or false, got \"no\"");
        compileRefused(keras2.replace("\"auto\"", "\"sum\""),
                "ckpt: loss CategoricalCrossentropy: reduction 'sum' is not supported");
        compileRefused(keras3.replace("\"ignore_class\": null", "\"ignore_class\": 0"),
                "ckpt: loss SparseCategoricalCrossentropy: unsupported setting ignore_class = 0");
        compileRefused(keras2.replace("\"axis\": -1", "\"axis\": 0"),
                "ckpt: loss CategoricalCrossentropy: axis = 0 is not supported");
    }

    @Test
    void shapesTooLargeForATensorNameTheFileAndTheLayer() {
        String hugeInput = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": ["
                + "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flat\", \"batch_input_shape\": "
                + "[null, 65536, 65536, 3]}}, {\"class_name\": \"Dense\", \"config\": {\"name\": \"out\", "
                + "\"units\": 10}}]}}";
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
                () -> KerasJson.modelFromJson(hugeInput, "huge.json"));
        assertEquals("huge.json: layer 0 'flat' (Flatten): shape (None, 65536, 65536, 3) has 12,884,901,888 values "
                + "per example, more than the 2,147,483,647 a tensor can hold", input.getMessage());

        String hugeDense = hugeInput.replace("65536, 65536, 3", "64, 64, 1").replace("\"units\": 10",
                "\"units\": 1073741824");
        IllegalArgumentException dense = assertThrows(IllegalArgumentException.class,
                () -> KerasJson.modelFromJson(hugeDense, "dense.json"));
        assertEquals("dense.json: Dense 'out' (layer 1): weight 'kernel' [4096, 1073741824] has 4,398,046,511,104 "
                + "values, more than the 2,147,483,647 a tensor can hold", dense.getMessage());
    }
}
