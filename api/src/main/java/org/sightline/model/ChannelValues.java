package org.sightline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import org.sightline.ops.Ops;

/**
 * One number, or one per channel of the last axis, as Rescaling's scale and offset and Normalization's
 * mean and variance: read and written in Keras's spelling (a number or a list) and made a constant that
 * broadcasts over the last axis.
 */
final class ChannelValues {
    private ChannelValues() {
    }

    /** The field as a list, or null when absent or null. */
    static List<Double> read(KerasConfig config, String field) {
        JsonNode node = config.take(field);
        if (node == null) {
            return null;
        }
        List<Double> values = new ArrayList<>();
        if (node.isNumber()) {
            values.add(node.doubleValue());
            return values;
        }
        if (node.isArray() && !node.isEmpty()) {
            for (JsonNode v : node) {
                if (!v.isNumber()) {
                    break;
                }
                values.add(v.doubleValue());
            }
            if (values.size() == node.size()) {
                return values;
            }
        }
        throw config.error(field + " must be a number or a list of numbers, got " + node);
    }

    /** One value as a number, several as a list, none as null. */
    static void write(KerasConfig.Writer config, String field, List<Double> values) {
        if (values == null) {
            config.putNull(field);
        } else if (values.size() == 1) {
            config.put(field, values.get(0));
        } else {
            ArrayNode list = JsonNodeFactory.instance.arrayNode();
            values.forEach(list::add);
            config.config().set(field, list);
        }
    }

    /** A scalar, or a vector that broadcasts over the last axis. */
    static <T> T constant(Ops<T> ops, List<Double> values) {
        if (values.size() == 1) {
            return ops.constant(values.get(0).floatValue());
        }
        float[] floats = new float[values.size()];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = values.get(i).floatValue();
        }
        return ops.constant(FloatTensor.wrap(new int[] {floats.length}, floats));
    }

    /** Refuses a list whose length is neither 1 nor the size of the input's last axis. */
    static void requireFits(Layer layer, String field, List<Double> values, Shape input) {
        int last = input.dim(input.rank() - 1);
        if (values != null && values.size() != 1 && values.size() != last) {
            throw new IllegalArgumentException(layer.kerasClass() + " '" + layer.name() + "' has " + values.size()
                    + " " + field + " values for the " + last + " values of the last axis of " + input);
        }
    }
}
