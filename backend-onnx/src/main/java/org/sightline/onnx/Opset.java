package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;

/**
 * The operators of the default ONNX domain that an exported graph uses, declared with their opset-13
 * inputs and attributes so that Tribuo's {@link ONNXOperator#build} checks every node we emit against
 * the operator's schema (input counts, attribute names and types). Tribuo's own {@code ONNXOperators}
 * spans several opsets (its reductions take the axes as an attribute, opset 13's ReduceSum as an
 * input), so the exporter declares each operator once, here, as opset 13 defines it.
 */
enum Opset implements ONNXOperator {
    CONV("Conv", 2, 1, List.of(
            ints("kernel_shape"), ints("strides"), ints("pads"), ints("dilations"),
            new ONNXAttribute("group", AttributeType.INT, false),
            new ONNXAttribute("auto_pad", AttributeType.STRING, false))),
    MAX_POOL("MaxPool", 1, 0, List.of(
            new ONNXAttribute("kernel_shape", AttributeType.INTS, true), ints("strides"), ints("pads"),
            ints("dilations"),
            new ONNXAttribute("ceil_mode", AttributeType.INT, false),
            new ONNXAttribute("storage_order", AttributeType.INT, false),
            new ONNXAttribute("auto_pad", AttributeType.STRING, false))),
    AVERAGE_POOL("AveragePool", 1, 0, List.of(
            new ONNXAttribute("kernel_shape", AttributeType.INTS, true), ints("strides"), ints("pads"),
            new ONNXAttribute("count_include_pad", AttributeType.INT, false),
            new ONNXAttribute("ceil_mode", AttributeType.INT, false),
            new ONNXAttribute("auto_pad", AttributeType.STRING, false))),
    /** Inputs X, scale, B, mean, var; inference form with a single output. */
    BATCH_NORMALIZATION("BatchNormalization", 5, 0, List.of(
            new ONNXAttribute("epsilon", AttributeType.FLOAT, false),
            new ONNXAttribute("momentum", AttributeType.FLOAT, false))),
    /** Inputs A, B and the optional C added to the product. */
    GEMM("Gemm", 2, 1, List.of(
            new ONNXAttribute("alpha", AttributeType.FLOAT, false),
            new ONNXAttribute("beta", AttributeType.FLOAT, false),
            new ONNXAttribute("transA", AttributeType.INT, false),
            new ONNXAttribute("transB", AttributeType.INT, false))),
    MAT_MUL("MatMul", 2, 0, List.of()),
    TRANSPOSE("Transpose", 1, 0, List.of(ints("perm"))),
    FLATTEN("Flatten", 1, 0, List.of(integer("axis"))),
    /** Inputs data and the int64 shape; a 0 in the shape keeps that input dimension. */
    RESHAPE("Reshape", 2, 0, List.of()),
    CONCAT("Concat", ONNXAttribute.VARIADIC_INPUT, 0, List.of(new ONNXAttribute("axis", AttributeType.INT, true))),
    /** Inputs data, starts, ends and the optional axes and steps, all int64. */
    SLICE("Slice", 3, 2, List.of()),
    /** Inputs data, the int64 pads (all befores, then all afters) and the optional constant value. */
    PAD("Pad", 2, 1, List.of(new ONNXAttribute("mode", AttributeType.STRING, false))),
    IDENTITY("Identity", 1, 0, List.of()),
    ADD("Add", 2, 0, List.of()),
    SUB("Sub", 2, 0, List.of()),
    MUL("Mul", 2, 0, List.of()),
    DIV("Div", 2, 0, List.of()),
    MAX("Max", 2, 0, List.of()),
    MIN("Min", 2, 0, List.of()),
    NEG("Neg", 1, 0, List.of()),
    SQRT("Sqrt", 1, 0, List.of()),
    EXP("Exp", 1, 0, List.of()),
    LOG("Log", 1, 0, List.of()),
    RELU("Relu", 1, 0, List.of()),
    SIGMOID("Sigmoid", 1, 0, List.of()),
    TANH("Tanh", 1, 0, List.of()),
    ERF("Erf", 1, 0, List.of()),
    SOFTMAX("Softmax", 1, 0, List.of(integer("axis"))),
    LOG_SOFTMAX("LogSoftmax", 1, 0, List.of(integer("axis"))),
    GREATER_OR_EQUAL("GreaterOrEqual", 2, 0, List.of()),
    EQUAL("Equal", 2, 0, List.of()),
    /** To a {@code TensorProto.DataType}: the comparisons give booleans and ArgMax int64, Ops wants floats. */
    CAST("Cast", 1, 0, List.of(new ONNXAttribute("to", AttributeType.INT, true))),
    /** Inputs data and the optional int64 axes (an input since opset 13). */
    REDUCE_SUM("ReduceSum", 1, 1, List.of(integer("keepdims"), integer("noop_with_empty_axes"))),
    REDUCE_MEAN("ReduceMean", 1, 0, List.of(ints("axes"), integer("keepdims"))),
    REDUCE_MAX("ReduceMax", 1, 0, List.of(ints("axes"), integer("keepdims"))),
    ARG_MAX("ArgMax", 1, 0, List.of(integer("axis"), integer("keepdims"), integer("select_last_index")));

    /** The opset every operator of an exported graph is taken from. */
    static final int VERSION = 13;

    private final String opName;
    private final int numInputs;
    private final int numOptionalInputs;
    private final Map<String, ONNXAttribute> attributes;
    private final Set<String> mandatory;

    Opset(String opName, int numInputs, int numOptionalInputs, List<ONNXAttribute> attributes) {
        this.opName = opName;
        this.numInputs = numInputs;
        this.numOptionalInputs = numOptionalInputs;
        Map<String, ONNXAttribute> byName = new LinkedHashMap<>();
        attributes.forEach(a -> byName.put(a.getName(), a));
        this.attributes = Map.copyOf(byName);
        this.mandatory = attributes.stream().filter(ONNXAttribute::isMandatory).map(ONNXAttribute::getName)
                .collect(Collectors.toUnmodifiableSet());
    }

    private static ONNXAttribute ints(String name) {
        return new ONNXAttribute(name, AttributeType.INTS, false);
    }

    private static ONNXAttribute integer(String name) {
        return new ONNXAttribute(name, AttributeType.INT, false);
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return numInputs;
    }

    @Override
    public int getNumOptionalInputs() {
        return numOptionalInputs;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return attributes;
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return mandatory;
    }

    @Override
    public int getOpVersion() {
        return VERSION;
    }

    @Override
    public String getOpDomain() {
        // null is the default ONNX domain, as in Tribuo's own operators.
        return null;
    }
}
