package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * The image operators of the default ONNX domain that Tribuo's {@link ONNXOperators} lacks, declared
 * with their opset-13 inputs and attributes so that Tribuo's {@link ONNXOperator#build} checks every
 * node we emit against the operator's schema (input counts, attribute names and types).
 */
enum ImageOperators implements ONNXOperator {
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
    TRANSPOSE("Transpose", 1, 0, List.of(ints("perm"))),
    FLATTEN("Flatten", 1, 0, List.of(new ONNXAttribute("axis", AttributeType.INT, false))),
    RELU("Relu", 1, 0, List.of()),
    TANH("Tanh", 1, 0, List.of());

    /** The opset every operator of an exported graph is taken from. */
    static final int OPSET_VERSION = 13;

    private final String opName;
    private final int numInputs;
    private final int numOptionalInputs;
    private final Map<String, ONNXAttribute> attributes;
    private final Set<String> mandatory;

    ImageOperators(String opName, int numInputs, int numOptionalInputs, List<ONNXAttribute> attributes) {
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
        return OPSET_VERSION;
    }

    @Override
    public String getOpDomain() {
        // null is the default ONNX domain, as in Tribuo's own operators.
        return null;
    }
}
