package org.sightline.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sightline.model.FloatTensor;
import org.sightline.model.Layer;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * Puts the weights another tool stored in a file onto a {@link Network}'s weights, layer by layer, and
 * names every weight that is missing, left over or misshapen at once.
 *
 * <p>Within a layer, weights go by their Keras names ({@code kernel}, {@code bias}, {@code gamma},
 * {@code moving_mean}, …) when the file records them, else by position in Keras's order, which is the
 * order of {@link org.sightline.model.UnaryLayer#weights}.
 */
final class StoredWeights {
    /** More problems than this are counted, not listed. */
    private static final int LISTED_PROBLEMS = 12;

    /**
     * A weight as a file stores it.
     *
     * @param group the file's name for the layer it belongs to (an HDF5 layer group, or a nested model's)
     * @param path  its name in the file, e.g. {@code conv2d/kernel:0} or {@code sequential/dense/bias:0};
     *              for files that record no names, its position
     */
    record Stored(String group, String path, FloatTensor value) {
        /** The Keras weight name: the last part of the path without TensorFlow's {@code :0}. */
        String shortName() {
            String last = path.substring(path.lastIndexOf('/') + 1);
            int colon = last.indexOf(':');
            return colon < 0 ? last : last.substring(0, colon);
        }
    }

    private StoredWeights() {
    }

    /**
     * Weights of files that store them under layer names (Keras HDF5, TensorFlow.js): a group named after a
     * layer holds its weights; a nested model's group holds its layers' weights under their names.
     */
    static Weights byLayerName(Network model, List<Stored> stored, Path file) throws ModelFileException {
        Map<String, List<Stored>> perLayer = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (Layer layer : model.layers()) {
            names.add(layer.name());
        }
        List<String> problems = new ArrayList<>();
        for (Stored weight : stored) {
            String owner = names.contains(weight.group()) ? weight.group() : ownerInPath(weight.path(), names);
            if (owner == null) {
                problems.add("'" + weight.group() + "/" + weight.path() + "' belongs to no layer of model '"
                        + model.name() + "'");
                continue;
            }
            perLayer.computeIfAbsent(owner, k -> new ArrayList<>()).add(weight);
        }
        return assign(model, perLayer, problems, file);
    }

    /** Weights of files that store each layer's weights as an ordered list (Keras 3 {@code vars/0}, …). */
    static Weights byPosition(Network model, Map<String, List<Stored>> perLayer, Path file)
            throws ModelFileException {
        return assign(model, perLayer, new ArrayList<>(), file);
    }

    /** The nearest folder of {@code path} (its last part excluded) that names a layer. */
    private static String ownerInPath(String path, Set<String> names) {
        String[] parts = path.split("/");
        for (int i = parts.length - 2; i >= 0; i--) {
            if (names.contains(parts[i])) {
                return parts[i];
            }
        }
        return null;
    }

    private static Weights assign(Network model, Map<String, List<Stored>> perLayer, List<String> problems, Path file)
            throws ModelFileException {
        Map<String, List<ModelWeight>> expected = new LinkedHashMap<>();
        for (ModelWeight weight : model.weights()) {
            expected.computeIfAbsent(weight.layerName(), k -> new ArrayList<>()).add(weight);
        }
        for (String layer : perLayer.keySet()) {
            if (!expected.containsKey(layer) && !perLayer.get(layer).isEmpty()) {
                problems.add("layer '" + layer + "' has no weights in the model, but the file holds "
                        + describe(perLayer.get(layer)));
            }
        }
        Weights.Builder builder = Weights.builder();
        for (Map.Entry<String, List<ModelWeight>> entry : expected.entrySet()) {
            String layer = entry.getKey();
            List<ModelWeight> wanted = entry.getValue();
            List<Stored> found = perLayer.getOrDefault(layer, List.of());
            if (found.size() != wanted.size()) {
                problems.add("layer '" + layer + "' needs " + wanted.size() + " weight(s) "
                        + wanted.stream().map(w -> w.spec().name() + " " + Arrays.toString(w.spec().shape())).toList()
                        + ", the file holds " + (found.isEmpty() ? "none" : describe(found)));
                continue;
            }
            List<Stored> ordered = byKerasName(wanted, found);
            for (int i = 0; i < wanted.size(); i++) {
                ModelWeight weight = wanted.get(i);
                Stored value = ordered.get(i);
                if (!Arrays.equals(weight.spec().shape(), value.value().shape())) {
                    problems.add(weight.key() + " has shape " + Arrays.toString(weight.spec().shape())
                            + " in the model but " + Arrays.toString(value.value().shape()) + " in the file ("
                            + value.group() + "/" + value.path() + ")");
                    continue;
                }
                builder.put(weight.key(), value.value());
            }
        }
        if (!problems.isEmpty()) {
            int more = problems.size() - LISTED_PROBLEMS;
            throw new ModelFileException(file, "its weights do not fit model '" + model.name() + "': "
                    + String.join("; ", problems.subList(0, Math.min(problems.size(), LISTED_PROBLEMS)))
                    + (more > 0 ? "; and " + more + " more" : ""));
        }
        return builder.build();
    }

    /** {@code found} in the order of {@code wanted} when its names are Keras's, else as stored. */
    private static List<Stored> byKerasName(List<ModelWeight> wanted, List<Stored> found) {
        Map<String, Stored> named = new LinkedHashMap<>();
        for (Stored weight : found) {
            named.put(weight.shortName(), weight);
        }
        List<Stored> ordered = new ArrayList<>(wanted.size());
        for (ModelWeight weight : wanted) {
            Stored match = named.get(weight.spec().name());
            if (match == null) {
                return found;
            }
            ordered.add(match);
        }
        return ordered;
    }

    private static String describe(List<Stored> weights) {
        return weights.stream().map(w -> w.path() + " " + Arrays.toString(w.value().shape())).toList().toString();
    }
}
