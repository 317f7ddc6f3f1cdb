package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A tiny image classifier written directly with the ONNX protobuf classes, the way another tool (say
 * PyTorch's exporter) would: NCHW input {@code data}, Conv 3x3 valid + Relu + Flatten + Gemm with a
 * transposed {@code [classes, features]} matrix, logits output {@code logits}, opset 17, no metadata.
 * {@link #expected} computes its probabilities by hand.
 */
final class ForeignModel {
    static final int CHANNELS = 3;
    static final int SIZE = 5;
    static final int FILTERS = 2;
    static final int OUT = SIZE - 2;
    static final int FEATURES = FILTERS * OUT * OUT;
    static final int CLASSES = 4;

    final float[] convWeight = new float[FILTERS * CHANNELS * 3 * 3];
    final float[] convBias = new float[FILTERS];
    final float[] gemmWeight = new float[CLASSES * FEATURES];
    final float[] gemmBias = new float[CLASSES];

    ForeignModel(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        fill(convWeight, random);
        fill(convBias, random);
        fill(gemmWeight, random);
        fill(gemmBias, random);
    }

    private static void fill(float[] values, SplittableRandom random) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
    }

    /** The model with input dimensions {@code [batch, 3, 5, 5]}; batch -1 is dynamic. */
    ModelProto proto(long batch, String... metadata) {
        return proto(new long[] {batch, CHANNELS, SIZE, SIZE}, metadata);
    }

    ModelProto proto(long[] inputDims, String... metadata) {
        GraphProto graph = GraphProto.newBuilder().setName("torch_jit")
                .addInput(value("data", inputDims))
                .addOutput(value("logits", new long[] {inputDims[0], CLASSES}))
                .addInitializer(tensor("conv.weight", convWeight, FILTERS, CHANNELS, 3, 3))
                .addInitializer(tensor("conv.bias", convBias, FILTERS))
                .addInitializer(tensor("fc.weight", gemmWeight, CLASSES, FEATURES))
                .addInitializer(tensor("fc.bias", gemmBias, CLASSES))
                .addNode(NodeProto.newBuilder().setOpType("Conv").setName("/conv/Conv").addInput("data")
                        .addInput("conv.weight").addInput("conv.bias").addOutput("/conv/Conv_output_0")
                        .addAttribute(ints("kernel_shape", 3, 3)))
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("/relu/Relu")
                        .addInput("/conv/Conv_output_0").addOutput("/relu/Relu_output_0"))
                .addNode(NodeProto.newBuilder().setOpType("Flatten").setName("/Flatten")
                        .addInput("/relu/Relu_output_0").addOutput("/Flatten_output_0"))
                .addNode(NodeProto.newBuilder().setOpType("Gemm").setName("/fc/Gemm").addInput("/Flatten_output_0")
                        .addInput("fc.weight").addInput("fc.bias").addOutput("logits")
                        .addAttribute(AttributeProto.newBuilder().setName("transB")
                                .setType(AttributeProto.AttributeType.INT).setI(1)))
                .build();
        ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(8).setProducerName("pytorch")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph);
        for (int i = 0; i + 1 < metadata.length; i += 2) {
            model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(metadata[i]).setValue(metadata[i + 1]));
        }
        return model.build();
    }

    /**
     * The model with dynamic batch, its weights written to {@code folder/dataFile} as ONNX external data
     * (as {@code onnx.save_model(..., save_as_external_data=True)} does), the model to
     * {@code folder/modelFile}.
     */
    Path saveWithExternalData(Path folder, String modelFile, String dataFile) throws IOException {
        ModelProto model = proto(-1);
        GraphProto.Builder graph = model.getGraph().toBuilder();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto tensor = graph.getInitializer(i);
            ByteBuffer raw = ByteBuffer.allocate(tensor.getFloatDataCount() * Float.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN);
            tensor.getFloatDataList().forEach(raw::putFloat);
            long offset = data.size();
            data.write(raw.array());
            graph.setInitializer(i, tensor.toBuilder().clearFloatData()
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(dataFile))
                    .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
                    .addExternalData(StringStringEntryProto.newBuilder().setKey("length")
                            .setValue(Integer.toString(raw.capacity()))));
        }
        Files.createDirectories(folder);
        Files.write(folder.resolve(dataFile), data.toByteArray());
        return Files.write(folder.resolve(modelFile), model.toBuilder().setGraph(graph).build().toByteArray());
    }

    /** Softmax probabilities {@code [count, 4]} for NHWC images {@code [count, 5, 5, 3]}, in plain loops. */
    float[] expected(float[] nhwc, int count) {
        float[] out = new float[count * CLASSES];
        for (int n = 0; n < count; n++) {
            int image = n * SIZE * SIZE * CHANNELS;
            double[] flat = new double[FEATURES];
            for (int f = 0; f < FILTERS; f++) {
                for (int y = 0; y < OUT; y++) {
                    for (int x = 0; x < OUT; x++) {
                        double s = convBias[f];
                        for (int c = 0; c < CHANNELS; c++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    s += convWeight[((f * CHANNELS + c) * 3 + ky) * 3 + kx]
                                            * nhwc[image + ((y + ky) * SIZE + (x + kx)) * CHANNELS + c];
                                }
                            }
                        }
                        // Flatten of NCHW: filter-major.
                        flat[(f * OUT + y) * OUT + x] = Math.max(0, s);
                    }
                }
            }
            double[] logits = new double[CLASSES];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < CLASSES; k++) {
                double s = gemmBias[k];
                for (int j = 0; j < FEATURES; j++) {
                    s += flat[j] * gemmWeight[k * FEATURES + j];
                }
                logits[k] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int k = 0; k < CLASSES; k++) {
                sum += Math.exp(logits[k] - max);
            }
            for (int k = 0; k < CLASSES; k++) {
                out[n * CLASSES + k] = (float) (Math.exp(logits[k] - max) / sum);
            }
        }
        return out;
    }

    private static ValueInfoProto value(String name, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    private static TensorProto tensor(String name, float[] values, long... dims) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber());
        for (long d : dims) {
            tensor.addDims(d);
        }
        for (float v : values) {
            tensor.addFloatData(v);
        }
        return tensor.build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }
}
