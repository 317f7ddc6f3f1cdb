package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Keras's {@code Reshape}: each example's values, in row-major order, laid out in
 * {@code targetShape}; one dimension may be -1, worked out from the input's size.
 *
 * <pre>{@code
 * Reshape.of(-1, 3)   // (4, 4, 3) -> (16, 3)
 * }</pre>
 */
public record Reshape(String name, List<Integer> targetShape) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Reshape";

    public Reshape {
        checkArgument(targetShape != null && !targetShape.isEmpty(), "Reshape.target_shape must not be empty, got %s",
                targetShape);
        targetShape = List.copyOf(targetShape);
        long unknown = targetShape.stream().filter(d -> d == -1).count();
        checkArgument(unknown <= 1 && targetShape.stream().allMatch(d -> d > 0 || d == -1),
                "Reshape.target_shape must hold dimensions > 0 and at most one -1, got %s", targetShape);
    }

    public static Reshape of(int... targetShape) {
        List<Integer> dims = new ArrayList<>();
        for (int d : targetShape) {
            dims.add(d);
        }
        return new Reshape(null, dims);
    }

    @Override
    public Reshape withName(String newName) {
        return new Reshape(newName, targetShape);
    }

    public static Reshape fromKeras(KerasConfig config, Shape input) {
        JsonNode node = config.take("target_shape");
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw config.error("target_shape must be a list of integers, got " + node);
        }
        List<Integer> dims = new ArrayList<>();
        for (JsonNode d : node) {
            if (!d.isIntegralNumber() || !d.canConvertToInt()) {
                throw config.error("target_shape must be a list of integers, got " + node);
            }
            dims.add(d.intValue());
        }
        return config.build(() -> new Reshape(config.name(), dims));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        ArrayNode dims = JsonNodeFactory.instance.arrayNode();
        targetShape.forEach(dims::add);
        config.config().set("target_shape", dims);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "reshape";
    }

    /** The target shape with its -1 resolved; refuses one whose size differs from the input's. */
    @Override
    public Shape outputShape(Shape input) {
        int[] dims = targetShape.stream().mapToInt(Integer::intValue).toArray();
        long known = 1;
        int unknown = -1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                unknown = i;
            } else {
                known *= dims[i];
            }
        }
        if (unknown >= 0 && input.size() % known == 0) {
            dims[unknown] = (int) (input.size() / known);
        }
        if ((unknown >= 0 && input.size() % known != 0) || (unknown < 0 && known != input.size())) {
            throw new IllegalArgumentException(KERAS_CLASS + " '" + name + "' cannot lay out the " + input.size()
                    + " values of " + input + " as target_shape " + targetShape);
        }
        return Shape.of(dims);
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.ops().reshape(input, outputShape(context.inputShape()).dims());
    }
}
