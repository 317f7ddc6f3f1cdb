package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sightline.data.PixelScaling;
import org.sightline.io.AtomicFile;
import org.sightline.io.KerasJson;
import org.sightline.io.SavedModel;
import org.sightline.model.ModelOutput;
import org.sightline.model.Network;
import org.sightline.model.PixelScale;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link Network} and its Keras-layout {@link Weights} as an ONNX model (opset 13), by
 * running the model's own inference {@code call} over {@link OnnxOps}: every layer's computation
 * becomes ONNX nodes without this class knowing any layer.
 *
 * <p>The graph takes {@value #INPUT_NAME}: float NHWC {@code [batch, h, w, c]} with a dynamic batch,
 * already scaled as in training, and gives {@value #OUTPUT_NAME}: the model's output, NHWC where it is an
 * image ({@code [batch, classes]} for a classifier). Inside, convolutions and pools run on ONNX's NCHW:
 * one Transpose after the input and one before a flatten (so the flat order is Keras's (h, w, c) and
 * matmul kernels are used unchanged); Conv kernels go from Keras {@code [kh, kw, in, out]} to ONNX
 * {@code [out, in, kh, kw]}; 'same' padding becomes explicit pads computed as TensorFlow does (the
 * odd pixel at the bottom/right) rather than {@code auto_pad}, so the graph states exactly what it
 * computes whatever a runtime makes of {@code SAME_UPPER}; 'same' average pooling excludes the pads
 * ({@code count_include_pad=0}) as Keras; dropout, the identity at inference, writes no node.
 *
 * <p>The protobuf is written with Tribuo's {@code tribuo-util-onnx}: one maintained dependency that
 * ships the generated {@code ai.onnx.proto.OnnxMl} classes and checks each node against the operator
 * schemas declared in {@link Opset}, so the build needs no protoc.
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
    /**
     * metadata_props key: the per-channel mean subtracted after scaling, a JSON array of numbers; absent
     * when the model takes scaled pixels only.
     */
    public static final String INPUT_MEAN_KEY = "sightline.input_mean";
    /** metadata_props key: the per-channel standard deviation divided by after the mean, with the mean. */
    public static final String INPUT_STD_KEY = "sightline.input_std";
    /** metadata_props key: the input layout, always {@code NHWC} for exported models. */
    public static final String INPUT_LAYOUT_KEY = "sightline.input_layout";
    /** metadata_props key: the model's Keras JSON config, as a Sightline model file holds it. */
    public static final String MODEL_CONFIG_KEY = "sightline.model_config";
    /** metadata_props key: the activation of the output, {@code softmax} for a classifier. */
    public static final String OUTPUT_ACTIVATION_KEY = "sightline.output_activation";

    /** ONNX IR version 7 is the one that introduced opset 13. */
    private static final long IR_VERSION = 7;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);

    private OnnxExporter() {
    }

    /** The ONNX model of a saved model, with its class names and preprocessing. */
    public static ModelProto export(SavedModel saved) {
        return export(saved.model(), saved.weights(), saved.classNames(), saved.preprocessing());
    }

    /**
     * The ONNX model of {@code model} with {@code weights}, for Sightline's preprocessing (pixels / 255);
     * {@code classNames} may be empty, else it needs one name per output.
     */
    public static ModelProto export(Network model, Weights weights, List<String> classNames) {
        return export(model, weights, classNames, PixelScaling.SIGHTLINE);
    }

    private static ModelProto export(Network model, Weights weights, List<String> classNames,
            PixelScaling preprocessing) {
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
        OnnxGraph graph = new OnnxGraph(model.name());
        OnnxOps ops = new OnnxOps(graph, weights);
        ModelOutput<String> output = model.call(ops, ops.input(INPUT_NAME, input), false);
        String outputActivation = ops.output(output.output(), OUTPUT_NAME);
        ModelProto.Builder proto = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Opset.VERSION))
                .setProducerName("sightline")
                .setProducerVersion(producerVersion())
                .setDocString("Sightline model '" + model.name() + "'")
                .setGraph(graph.build());
        metadata(model, classNames, preprocessing, outputActivation).forEach((key, value) -> proto.addMetadataProps(
                StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return proto.build();
    }

    /** The serialized ONNX model, as an ONNX Runtime session or a {@code .onnx} file takes it. */
    public static byte[] toBytes(Network model, Weights weights, List<String> classNames) {
        return export(model, weights, classNames).toByteArray();
    }

    /**
     * Writes the ONNX model to {@code file} through a temporary file in the same folder renamed over it
     * ({@link AtomicFile}), so a crash never leaves a half-written model where a good one was.
     */
    public static void write(Network model, Weights weights, List<String> classNames, Path file)
            throws IOException {
        write(model.name(), export(model, weights, classNames), file);
    }

    /** Writes a saved model's ONNX form, with its class names and preprocessing, to {@code file}, atomically. */
    public static void write(SavedModel saved, Path file) throws IOException {
        write(saved.model().name(), export(saved), file);
    }

    private static void write(String name, ModelProto proto, Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(proto.toByteArray());
        AtomicFile.write(file, channel -> {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        });
        LOG.info("Wrote ONNX model '{}' ({} bytes) to {}", name, bytes.capacity(), file.toAbsolutePath());
    }

    private static Map<String, String> metadata(Network model, List<String> classNames, PixelScaling preprocessing,
            String outputActivation) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(MODEL_CONFIG_KEY, KerasJson.toJson(model));
        if (!classNames.isEmpty()) {
            try {
                metadata.put(CLASS_NAMES_KEY, JSON.writeValueAsString(classNames));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("Cannot encode class names " + classNames, e);
            }
        }
        // As a Sightline model file writes it, so that 1/255 reads back as exactly Sightline's scale.
        metadata.put(INPUT_SCALE_KEY, preprocessing.sameScale(PixelScale.DEFAULT) ? Float.toString(PixelScale.DEFAULT)
                : Double.toString(preprocessing.scale()));
        if (!preprocessing.isScaleOnly()) {
            metadata.put(INPUT_MEAN_KEY, floatsJson(preprocessing.mean()));
            metadata.put(INPUT_STD_KEY, floatsJson(preprocessing.std()));
        }
        metadata.put(INPUT_LAYOUT_KEY, InputLayout.NHWC.name());
        metadata.put(OUTPUT_ACTIVATION_KEY, outputActivation);
        return metadata;
    }

    private static String floatsJson(float[] values) {
        ArrayNode array = JSON.createArrayNode();
        for (float value : values) {
            array.add(value);
        }
        return array.toString();
    }

    private static String producerVersion() {
        String version = OnnxExporter.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
