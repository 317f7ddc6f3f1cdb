package org.sightline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Keras's spelling of an amount per image side, as ZeroPadding2D's {@code padding} and Cropping2D's
 * {@code cropping}: an int for all four sides, a (rows, columns) pair, or
 * ((top, bottom), (left, right)), the form Keras writes.
 */
final class ImageSides {
    private ImageSides() {
    }

    /** {@code {top, bottom, left, right}}; {@code fallback} for every side when absent. */
    static int[] read(KerasConfig config, String field, int fallback) {
        JsonNode node = config.take(field);
        if (node == null) {
            return new int[] {fallback, fallback, fallback, fallback};
        }
        if (isInt(node)) {
            int n = node.intValue();
            return new int[] {n, n, n, n};
        }
        if (node.isArray() && node.size() == 2) {
            JsonNode rows = node.get(0);
            JsonNode columns = node.get(1);
            if (isInt(rows) && isInt(columns)) {
                return new int[] {rows.intValue(), rows.intValue(), columns.intValue(), columns.intValue()};
            }
            if (isPair(rows) && isPair(columns)) {
                return new int[] {rows.get(0).intValue(), rows.get(1).intValue(), columns.get(0).intValue(),
                        columns.get(1).intValue()};
            }
        }
        throw config.error(field + " must be an integer, a pair of integers or ((top, bottom), (left, right)), got "
                + node);
    }

    static void write(KerasConfig.Writer config, String field, int top, int bottom, int left, int right) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ArrayNode sides = nodes.arrayNode();
        sides.add(nodes.arrayNode().add(top).add(bottom));
        sides.add(nodes.arrayNode().add(left).add(right));
        config.config().set(field, sides);
    }

    private static boolean isInt(JsonNode node) {
        return node.isIntegralNumber() && node.canConvertToInt();
    }

    private static boolean isPair(JsonNode node) {
        return node.isArray() && node.size() == 2 && isInt(node.get(0)) && isInt(node.get(1));
    }
}
