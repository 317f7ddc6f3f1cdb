package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sightline.data.Batches;
import org.sightline.io.AtomicFile;
import org.sightline.io.KerasJson;
import org.sightline.io.SavedModel;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.Layer;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * Translates a {@link Sequential} and its Keras-layout {@link Weights} into an ONNX model (opset 13).
 *
 * <p>The graph takes {@value #INPUT_NAME}: float NHWC {@code [batch, h, w, c]} with a dynamic batch,
 * already scaled as in training, and gives {@value #OUTPUT_NAME}: {@code [batch, classes]}. Inside,
 * one Transpose moves to ONNX's NCHW; Conv kernels go from Keras {@code [kh, kw, in, out]} to ONNX
 * {@code [out, in, kh, kw]}; 'same' padding becomes explicit pads computed as TensorFlow does (the
 * odd pixel at the bottom/right) rather than {@code auto_pad}, so the graph states exactly what it
 * computes whatever a runtime makes of {@code SAME_UPPER}; 'same' average pooling excludes the pads
 * ({@code count_include_pad=0}) as Keras; Flatten transposes back to NHWC first so the flat order is
 * Keras's (h, w, c) and Dense kernels are used unchanged; Dropout vanishes.
 *
 * <p>The protobuf is written with Tribuo's {@code tribuo-util-onnx}: one maintained dependency that
 * ships the generated {@code ai.onnx.proto.OnnxMl} classes and operator schemas that check each
 * node, so the build needs no protoc; the few image operators it lacks are in {@link ImageOperators}.
 *
 * <pre>{@code
 * OnnxExporter.write(model, weights, classNames, Path.of("model.onnx"));
 * }</pre>
 */
public final class OnnxExporter {
    public static final String INPUT_NAME = "input";
    public static final String OUTPUT_NAME = "probabilities";
    /** metadata_props key: the class names as a JSON array of strings. */
    public static final String CLASS_NAMES_KEY = "sightline.class_names";
    /** metadata_props key: the factor that turns 0..255 pixels into the model's input values. */
    public static final String INPUT_SCALE_KEY = "sightline.input_scale";
    /** metadata_props key: the input layout, always {@code NHWC} for exported models. */
    public static final String INPUT_LAYOUT_KEY = "sightline.input_layout";
    /** metadata_props key: the model's Keras JSON config, as a Sightline model file holds it. */
    public static final String MODEL_CONFIG_KEY = "sightline.model_config";
    /** metadata_props key: the activation of the output, {@code softmax} for a classifier. */
    public static final String OUTPUT_ACTIVATION_KEY = "sightline.output_activation";

    /** ONNX IR version 7 is the one that introduced opset 13. */
    private static final long IR_VERSION = 7;
    private static final int[] NHWC_TO_NCHW = {0, 3, 1, 2};
    private static final int[] NCHW_TO_NHWC = {0, 2, 3, 1};
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);

    private OnnxExporter() {
    }

    /** The ONNX model of a saved model, with its class names. */
    public static ModelProto export(SavedModel saved) {
        return export(saved.model(), saved.weights(), saved.classNames());
    }

    /**
     * The ONNX model of {@code model} with {@code weights}; {@code classNames} may be empty, else it
     * needs one name per output.
     */
    public static ModelProto export(Sequential model, Weights weights, List<String> classNames) {
        model.requireCompatible(weights, "the ONNX export");
        if (!classNames.isEmpty() && classNames.size() != model.numClasses()) {
            throw new IllegalArgumentException("Model '" + model.name() + "' has " + model.numClasses()
                    + " outputs but " + classNames.size() + " class names were given");
        }
        Shape input = model.inputShape();
        if (!input.isImage()) {
            throw new IllegalArgumentException("ONNX export needs an image input (height, width, channels), model '"
                    + model.name() + "' has " + input);
        }
        Translation translation = new Translation(model, weights);
        ModelProto.Builder proto = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(ImageOperators.OPSET_VERSION))
                .setProducerName("sightline")
                .setProducerVersion(producerVersion())
                .setDocString("Sightline model '" + model.name() + "'")
                .setGraph(translation.graph());
        metadata(model, classNames, translation.outputActivation()).forEach((key, value) -> proto.addMetadataProps(
                StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return proto.build();
    }

    /** The serialized ONNX model, as an ONNX Runtime session or a {@code .onnx} file takes it. */
    public static byte[] toBytes(Sequential model, Weights weights, List<String> classNames) {
        return export(model, weights, classNames).toByteArray();
    }

    /**
     * Writes the ONNX model to {@code file} through a temporary file in the same folder renamed over it
     * ({@link AtomicFile}), so a crash never leaves a half-written model where a good one was.
     */
    public static void write(Sequential model, Weights weights, List<String> classNames, Path file)
            throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(toBytes(model, weights, classNames));
        AtomicFile.write(file, channel -> {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        });
        LOG.info("Wrote ONNX model '{}' ({} bytes) to {}", model.name(), bytes.capacity(), file.toAbsolutePath());
    }

    /** Writes a saved model's ONNX form to {@code file}, atomically. */
    public static void write(SavedModel saved, Path file) throws IOException {
        write(saved.model(), saved.weights(), saved.classNames(), file);
    }

    private static Map<String, String> metadata(Sequential model, List<String> classNames,
            ActivationFunction outputActivation) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(MODEL_CONFIG_KEY, KerasJson.toJson(model));
        if (!classNames.isEmpty()) {
            try {
                metadata.put(CLASS_NAMES_KEY, JSON.writeValueAsString(classNames));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("Cannot encode class names " + classNames, e);
            }
        }
        metadata.put(INPUT_SCALE_KEY, Float.toString(Batches.DEFAULT_SCALE));
        metadata.put(INPUT_LAYOUT_KEY, InputLayout.NHWC.name());
        metadata.put(OUTPUT_ACTIVATION_KEY, outputActivation.kerasName());
        return metadata;
    }

    private static String producerVersion() {
        String version = OnnxExporter.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }

    /** TensorFlow's 'same' pads for one axis: {@code {before, after}}, the odd one after. */
    static int[] samePads(int input, int window, int stride) {
        int output = (input + stride - 1) / stride;
        int total = Math.max((output - 1) * stride + window - input, 0);
        return new int[] {total / 2, total - total / 2};
    }

    /** ONNX pads {@code [top, left, bottom, right]} for a window over an NHWC image shape. */
    static int[] pads(Padding padding, Shape input, int windowHeight, int windowWidth, int strideHeight,
            int strideWidth) {
        if (padding == Padding.VALID) {
            return new int[] {0, 0, 0, 0};
        }
        int[] vertical = samePads(input.height(), windowHeight, strideHeight);
        int[] horizontal = samePads(input.width(), windowWidth, strideWidth);
        return new int[] {vertical[0], horizontal[0], vertical[1], horizontal[1]};
    }

    /** Keras {@code [kh, kw, in, out]} to ONNX {@code [out, in, kh, kw]}. */
    static float[] convKernelToOnnx(FloatTensor kernel) {
        int[] s = kernel.shape();
        int kh = s[0];
        int kw = s[1];
        int in = s[2];
        int out = s[3];
        float[] keras = kernel.toArray();
        float[] onnx = new float[keras.length];
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        onnx[((o * in + i) * kh + y) * kw + x] = keras[((y * kw + x) * in + i) * out + o];
                    }
                }
            }
        }
        return onnx;
    }

    /** One pass over the layers, tracking the current value and whether it is an NCHW image. */
    private static final class Translation {
        private final Weights weights;
        private final OnnxGraph graph;
        private String current;
        private boolean image = true;
        private ActivationFunction outputActivation = ActivationFunction.LINEAR;

        Translation(Sequential model, Weights weights) {
            this.weights = weights;
            this.graph = new OnnxGraph(model.name());
            Shape in = model.inputShape();
            String input = graph.input(INPUT_NAME, -1, in.height(), in.width(), in.channels());
            current = graph.node(ImageOperators.TRANSPOSE, List.of(input), "input/nchw",
                    Map.of("perm", NHWC_TO_NCHW));
            for (int i = 0; i < model.layers().size(); i++) {
                translate(model.layers().get(i), model.inputShape(i));
            }
            graph.rename(current, OUTPUT_NAME);
            graph.output(OUTPUT_NAME, -1, model.numClasses());
        }

        GraphProto graph() {
            return graph.build();
        }

        ActivationFunction outputActivation() {
            return outputActivation;
        }

        private void translate(Layer layer, Shape input) {
            // Java 17 has no pattern switch; Layer is sealed, so the last branch is unreachable.
            if (layer instanceof Conv2D conv) {
                conv(conv, input);
            } else if (layer instanceof Activation activation) {
                activate(activation.name(), activation.function());
            } else if (layer instanceof Dropout) {
                // Inference: dropout is the identity.
                return;
            } else if (layer instanceof BatchNormalization norm) {
                batchNorm(norm);
            } else if (layer instanceof MaxPooling2D pool) {
                pool(ImageOperators.MAX_POOL, pool.name(), pool.window(), input, Map.of());
            } else if (layer instanceof AveragePooling2D pool) {
                pool(ImageOperators.AVERAGE_POOL, pool.name(), pool.window(), input, Map.of("count_include_pad", 0));
            } else if (layer instanceof Flatten flatten) {
                flatten(flatten);
            } else if (layer instanceof Dense dense) {
                dense(dense);
            } else {
                throw new IllegalArgumentException("No ONNX translation for layer " + layer.kerasClass() + " '"
                        + layer.name() + "'");
            }
        }

        private void conv(Conv2D conv, Shape input) {
            String name = conv.name();
            FloatTensor kernel = weights.get(name + "/kernel");
            int[] s = kernel.shape();
            List<String> inputs = new ArrayList<>(3);
            inputs.add(current);
            inputs.add(graph.initializer(name + "/kernel", new int[] {s[3], s[2], s[0], s[1]},
                    convKernelToOnnx(kernel)));
            if (conv.useBias()) {
                inputs.add(vector(name + "/bias"));
            }
            Map<String, Object> attributes = Map.of(
                    "kernel_shape", new int[] {conv.kernelHeight(), conv.kernelWidth()},
                    "strides", new int[] {conv.strideHeight(), conv.strideWidth()},
                    "pads", pads(conv.padding(), input, conv.kernelHeight(), conv.kernelWidth(),
                            conv.strideHeight(), conv.strideWidth()));
            current = graph.node(ImageOperators.CONV, inputs, name + "/conv", attributes);
            activate(name, conv.activation());
        }

        private void pool(ONNXOperator op, String name, PoolingWindow window, Shape input,
                Map<String, Object> extra) {
            Map<String, Object> attributes = new LinkedHashMap<>(extra);
            attributes.put("kernel_shape", new int[] {window.poolHeight(), window.poolWidth()});
            attributes.put("strides", new int[] {window.strideHeight(), window.strideWidth()});
            attributes.put("pads", pads(window.padding(), input, window.poolHeight(), window.poolWidth(),
                    window.strideHeight(), window.strideWidth()));
            current = graph.node(op, List.of(current), name + "/pool", attributes);
            outputActivation = ActivationFunction.LINEAR;
        }

        private void batchNorm(BatchNormalization norm) {
            String name = norm.name();
            // Over the channel axis: axis 1 both of NCHW images and of flat (batch, units) inputs.
            List<String> inputs = List.of(current, vector(name + "/gamma"), vector(name + "/beta"),
                    vector(name + "/moving_mean"), vector(name + "/moving_variance"));
            current = graph.node(ImageOperators.BATCH_NORMALIZATION, inputs, name + "/batchnorm",
                    Map.of("epsilon", (float) norm.epsilon()));
            outputActivation = ActivationFunction.LINEAR;
        }

        private void flatten(Flatten flatten) {
            if (image) {
                current = graph.node(ImageOperators.TRANSPOSE, List.of(current), flatten.name() + "/nhwc",
                        Map.of("perm", NCHW_TO_NHWC));
                image = false;
            }
            current = graph.node(ImageOperators.FLATTEN, List.of(current), flatten.name() + "/flat",
                    Map.of("axis", 1));
            outputActivation = ActivationFunction.LINEAR;
        }

        private void dense(Dense dense) {
            String name = dense.name();
            FloatTensor kernel = weights.get(name + "/kernel");
            List<String> inputs = new ArrayList<>(3);
            inputs.add(current);
            inputs.add(graph.initializer(name + "/kernel", kernel.shape(), kernel.toArray()));
            if (dense.useBias()) {
                inputs.add(vector(name + "/bias"));
            }
            current = graph.node(ONNXOperators.GEMM, inputs, name + "/gemm", Map.of());
            outputActivation = ActivationFunction.LINEAR;
            activate(name, dense.activation());
        }

        private void activate(String layerName, ActivationFunction function) {
            String output = layerName + "/" + function.kerasName();
            current = switch (function) {
                case LINEAR -> current;
                case RELU -> graph.node(ImageOperators.RELU, List.of(current), output, Map.of());
                case TANH -> graph.node(ImageOperators.TANH, List.of(current), output, Map.of());
                case SIGMOID -> graph.node(ONNXOperators.SIGMOID, List.of(current), output, Map.of());
                // Keras normalises over the last axis: channels, which is axis 1 in NCHW as in (batch, units).
                case SOFTMAX -> graph.node(ONNXOperators.SOFTMAX, List.of(current), output, Map.of("axis", 1));
            };
            if (function != ActivationFunction.LINEAR) {
                outputActivation = function;
            }
        }

        private String vector(String key) {
            FloatTensor tensor = weights.get(key);
            return graph.initializer(key, tensor.shape(), tensor.toArray());
        }
    }
}
