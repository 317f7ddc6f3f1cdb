package org.sightline.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where Keras 3's {@code saving_lib} keeps each layer's variables in a {@code .weights.h5}: under
 * {@code layers/<name>}, the name made from the layer's class in snake case ({@code Conv2D} →
 * {@code conv2d}, {@code BatchNormalization} → {@code batch_normalization}) and numbered within its
 * model by class ({@code conv2d}, {@code conv2d_1}, …), in the order of the model's layers; a nested
 * model's layers under {@code layers/<model>/layers/…}. The layer's own name is not part of the path,
 * so paths follow from a config's layer list alone.
 */
final class KerasSavingPaths {
    private static final Pattern NON_WORD = Pattern.compile("\\W+");
    private static final Pattern CAPITALISED_WORD = Pattern.compile("(.)([A-Z][a-z]+)");
    private static final Pattern LOWER_UPPER = Pattern.compile("([a-z])([A-Z])");

    private KerasSavingPaths() {
    }

    /** Keras's {@code naming.to_snake_case}. */
    static String snakeCase(String className) {
        String name = NON_WORD.matcher(className).replaceAll("");
        name = CAPITALISED_WORD.matcher(name).replaceAll("$1_$2");
        return LOWER_UPPER.matcher(name).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
    }

    /**
     * Adds the path of every layer of {@code model} (a {@code {"class_name", "config": {"layers": […]}}}
     * object) to {@code paths}, keyed by the layer's name; {@code prefix} is the model's own path ("" for
     * the saved model).
     */
    static void layerPaths(JsonNode model, String prefix, Map<String, String> paths) {
        Map<String, Integer> used = new HashMap<>();
        boolean sequential = "Sequential".equals(model.path("class_name").asText());
        for (JsonNode layer : model.path("config").path("layers")) {
            String className = layer.path("class_name").asText("");
            if (sequential && className.equals("InputLayer")) {
                // Sequential.layers leaves out its InputLayer, so Keras saves nothing for it.
                continue;
            }
            String name = snakeCase(className);
            Integer count = used.get(name);
            used.put(name, count == null ? 0 : count + 1);
            String path = prefix + "layers/" + (count == null ? name : name + "_" + (count + 1));
            JsonNode config = layer.path("config");
            paths.put(config.path("name").asText(layer.path("name").asText("")), path);
            if (config.path("layers").isArray()) {
                layerPaths(layer, path + "/", paths);
            }
        }
    }
}
