package org.sightline.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Keras's automatic names: {@code conv2d}, {@code conv2d_1}, ..., skipping names the user took. */
final class LayerNames {
    private final Set<String> taken = new HashSet<>();
    private final Map<String, Integer> counters = new HashMap<>();

    /** @param userNames the names given by the user, null where none; a name given twice is an error */
    LayerNames(List<String> userNames) {
        for (String name : userNames) {
            if (name != null && !taken.add(name)) {
                throw new IllegalArgumentException("Layer name '" + name + "' is used twice");
            }
        }
    }

    /** The next free automatic name with {@code prefix}. */
    String next(String prefix) {
        String candidate;
        do {
            int n = counters.merge(prefix, 1, Integer::sum) - 1;
            candidate = n == 0 ? prefix : prefix + "_" + n;
        } while (!taken.add(candidate));
        return candidate;
    }

    /** {@code layers} with every unnamed one named, in order. */
    static List<Layer> assign(List<Layer> layers) {
        LayerNames names = new LayerNames(layers.stream().map(l -> Objects.requireNonNull(l, "layer").name()).toList());
        List<Layer> named = new ArrayList<>(layers.size());
        for (Layer layer : layers) {
            named.add(layer.name() != null ? layer : layer.withName(names.next(layer.namePrefix())));
        }
        return named;
    }

    /** {@code names}, checked to name layers of the model, as an immutable set. */
    static Set<String> frozen(String model, List<Layer> layers, Set<String> names) {
        Set<String> known = new HashSet<>();
        layers.forEach(layer -> known.add(layer.name()));
        List<String> unknown = names.stream().filter(n -> !known.contains(n)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("Model '" + model + "' has no layer " + String.join(", ", unknown)
                    + " to freeze");
        }
        return Set.copyOf(names);
    }
}
