package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperator;

/**
 * Builds one ONNX graph with value names we choose. Tribuo's {@link ONNXContext} suffixes every value
 * name and only declares 2-D inputs, while our graph needs a 4-D NHWC input called exactly
 * {@code input} and an output called exactly {@code probabilities}; so this class keeps the graph
 * itself and uses Tribuo only to build (and schema-check) each node.
 */
final class OnnxGraph {
    /** The symbolic name of a dynamic batch dimension. */
    static final String BATCH_DIM = "batch";

    private final ONNXContext nodeNames = new ONNXContext();
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> valueNames = new HashSet<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** Declares a float input; a dimension of -1 is the dynamic batch dimension. */
    String input(String name, long... dims) {
        claim(name);
        graph.addInput(floatValue(name, dims));
        return name;
    }

    /** Declares the float output {@code value}, which some node must already produce. */
    void output(String value, long... dims) {
        graph.addOutput(floatValue(value, dims));
    }

    /** A constant float tensor, little-endian raw data as ONNX stores it. */
    String initializer(String name, int[] dims, float[] values) {
        claim(name);
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (int d : dims) {
            tensor.addDims(d);
        }
        graph.addInitializer(tensor);
        return name;
    }

    /** A constant int64 vector, as Reshape, Slice, Pad and ReduceSum take their shapes and axes. */
    String longInitializer(String name, long[] values) {
        claim(name);
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        graph.addInitializer(TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.INT64.getNumber())
                .setRawData(ByteString.copyFrom(bytes.array()))
                .addDims(values.length));
        return name;
    }

    /** Whether a value of this name exists: an input, an initializer or a node's output. */
    boolean contains(String name) {
        return valueNames.contains(name);
    }

    /** Adds a node of {@code op} on {@code inputs}; returns the name of its output, {@code output}. */
    String node(ONNXOperator op, List<String> inputs, String output, Map<String, Object> attributes) {
        claim(output);
        graph.addNode(build(op, inputs, output, attributes));
        return output;
    }

    /**
     * Replaces the node that produces {@code previousOutput} by a node of {@code op} on {@code inputs}
     * producing {@code output} instead, in the same place of the graph: how a bias joins the Conv or Gemm
     * before it. The caller makes sure nothing reads {@code previousOutput}.
     */
    String replace(String previousOutput, ONNXOperator op, List<String> inputs, String output,
            Map<String, Object> attributes) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOutputList().contains(previousOutput)) {
                claim(output);
                valueNames.remove(previousOutput);
                graph.setNode(i, build(op, inputs, output, attributes));
                return output;
            }
        }
        throw new IllegalStateException("No node produces ONNX value '" + previousOutput + "'");
    }

    /** Whether a node of the graph produces {@code name} (not an input, not an initializer). */
    boolean isNodeOutput(String name) {
        return graph.getNodeList().stream().anyMatch(node -> node.getOutputList().contains(name));
    }

    private NodeProto build(ONNXOperator op, List<String> inputs, String output, Map<String, Object> attributes) {
        return op.build(nodeNames, inputs.toArray(String[]::new), new String[] {output}, attributes);
    }

    /**
     * Renames value {@code from} to {@code to} wherever a node produces or reads it: the exporter
     * only knows which value is the model's output once the last layer is translated.
     */
    void rename(String from, String to) {
        claim(to);
        valueNames.remove(from);
        for (NodeProto.Builder node : graph.getNodeBuilderList()) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(from)) {
                    node.setOutput(i, to);
                }
            }
            for (int i = 0; i < node.getInputCount(); i++) {
                if (node.getInput(i).equals(from)) {
                    node.setInput(i, to);
                }
            }
        }
    }

    GraphProto build() {
        return graph.build();
    }

    private void claim(String name) {
        if (!valueNames.add(name)) {
            throw new IllegalStateException("ONNX value name '" + name + "' is used twice");
        }
    }

    private static ValueInfoProto floatValue(String name, long[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d < 0) {
                dim.setDimParam(BATCH_DIM);
            } else {
                dim.setDimValue(d);
            }
            shape.addDim(dim);
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }
}
