package org.sightline.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.sightline.model.KerasConfig;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * Reads the model files Keras users have, with their weights:
 * <ul>
 * <li>Keras 2 (and tf.keras, and Keras 3's legacy) full-model HDF5, {@code model.save("m.h5")}: the
 * {@code model_config} attribute and the {@code model_weights} group;</li>
 * <li>weights-only HDF5, {@code model.save_weights(...)}, with the model's {@code to_json()} config;</li>
 * <li>Keras 3 {@code .keras} archives ({@code config.json}, {@code metadata.json},
 * {@code model.weights.h5}), and those of tf-keras 2.13 to 2.15;</li>
 * <li>TensorFlow.js layers models: {@code model.json} with its binary weight shards beside it.</li>
 * </ul>
 * The format is told by the file's content, not its name. Unsupported layers, and weights that do not
 * fit the config, are refused with every problem named at once.
 *
 * <pre>{@code
 * ImportedModel keras = KerasModelFiles.read(Path.of("cifar10.h5"));
 * SavedModel saved = keras.toSavedModel(List.of(), PixelScaling.SIGHTLINE);
 * }</pre>
 */
public final class KerasModelFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] ZIP_SIGNATURE = {'P', 'K', 3, 4};
    private static final String TF_KERAS_LAYERS = "_layer_checkpoint_dependencies";

    /** The kinds of file this reads. */
    public enum Format {
        HDF5("Keras HDF5"),
        KERAS_ARCHIVE("Keras .keras archive"),
        TFJS("TensorFlow.js layers model");

        private final String description;

        Format(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    private KerasModelFiles() {
    }

    /** The Keras format of {@code file} by its first bytes, if it is one this reads. */
    public static Optional<Format> detect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        byte[] head = new byte[8];
        int read;
        try (InputStream in = Files.newInputStream(file)) {
            read = in.readNBytes(head, 0, head.length);
        }
        if (read == 8 && Arrays.equals(head, Hdf5.SIGNATURE)) {
            return Optional.of(Format.HDF5);
        }
        if (read >= 4 && Arrays.equals(Arrays.copyOf(head, 4), ZIP_SIGNATURE)) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                return zip.getEntry("config.json") != null ? Optional.of(Format.KERAS_ARCHIVE) : Optional.empty();
            }
        }
        if (read > 0 && (head[0] == '{' || Character.isWhitespace(head[0]))
                && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return Optional.of(Format.TFJS);
        }
        return Optional.empty();
    }

    /**
     * A model file that holds its own config: a full-model {@code .h5}, a {@code .keras} archive or a
     * TensorFlow.js {@code model.json}.
     *
     * @throws ModelFileException naming the file: not a Keras model file, a weights-only file (give its
     *                            config with {@link #read(Path, Path)}), unsupported layers, or weights
     *                            that do not fit the config
     */
    public static ImportedModel read(Path file) throws IOException {
        Format format = detect(file).orElseThrow(() -> notKeras(file));
        return switch (format) {
            case HDF5 -> readHdf5(file, Optional.empty());
            case KERAS_ARCHIVE -> readArchive(file);
            case TFJS -> TfjsModel.read(file);
        };
    }

    /**
     * Weights from {@code weightsFile} (a {@code save_weights} HDF5, or any file {@link #read(Path)} takes)
     * on the model that {@code configFile}, a Keras {@code to_json()} file, defines.
     */
    public static ImportedModel read(Path weightsFile, Path configFile) throws IOException {
        Format format = detect(weightsFile).orElseThrow(() -> notKeras(weightsFile));
        if (format != Format.HDF5) {
            throw new ModelFileException(weightsFile, "is a " + format.description() + ", which holds its own config; "
                    + "read it without " + configFile);
        }
        String config = readConfig(configFile);
        return readHdf5(weightsFile, Optional.of(new Config(config, configFile.toString())));
    }

    private static ModelFileException notKeras(Path file) {
        if (!Files.exists(file)) {
            return new ModelFileException(file, "no such file");
        }
        return new ModelFileException(file, "is not a Keras model file: expected an HDF5 file (.h5), a .keras zip "
                + "archive or a TensorFlow.js model.json");
    }

    private record Config(String json, String source) {
    }

    private static String readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, Files.exists(file) ? "is not a file" : "no such config file");
        }
        if (Files.size(file) > KerasJson.MAX_CONFIG_BYTES) {
            throw new ModelFileException(file, "is too large for a Keras model config");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static Network model(Path file, Config config) throws ModelFileException {
        try {
            return KerasConfig.withTrainedWeights(() -> KerasJson.modelFromJson(config.json(), config.source()));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "holds a model Sightline cannot use: " + e.getMessage(), e);
        }
    }

    private static ImportedModel readHdf5(Path file, Optional<Config> givenConfig) throws IOException {
        try (HdfFile h5 = new HdfFile(file)) {
            Optional<String> stored = Hdf5.string(h5, "model_config", file);
            if (stored.isPresent() && givenConfig.isPresent()) {
                throw new ModelFileException(file, "holds its own model config; read it without "
                        + givenConfig.get().source());
            }
            Config config = stored.map(json -> new Config(json, file + " model_config")).or(() -> givenConfig)
                    .orElseThrow(() -> new ModelFileException(file, "holds weights only (save_weights): give the "
                            + "model's to_json() config file with it"));
            Network model = model(file, config);
            Group weightsRoot = stored.isPresent() ? group(h5, "model_weights", file) : h5;
            String version = Hdf5.string(h5, "keras_version", file)
                    .or(() -> attribute(weightsRoot, "keras_version", file)).orElse("");
            Weights weights;
            if (weightsRoot.getAttribute("layer_names") != null) {
                weights = StoredWeights.byLayerName(model, legacyWeights(weightsRoot, file), file);
            } else if (weightsRoot.getChild("layers") != null) {
                // Keras 3's own .weights.h5 (save_weights): the .keras archive's layout.
                weights = StoredWeights.byPosition(model, keras3Weights(weightsRoot, config, file), file);
            } else {
                throw new ModelFileException(file, "has neither a layer_names attribute nor a 'layers' group: "
                        + "not a Keras weights file");
            }
            String kind = stored.isPresent() ? "Keras HDF5 model" : "Keras HDF5 weights with " + config.source();
            return imported(file, model, weights, kind, version);
        } catch (HdfException e) {
            throw new ModelFileException(file, "is not a readable HDF5 file: " + e.getMessage(), e);
        }
    }

    private static ImportedModel imported(Path file, Network model, Weights weights, String kind, String version)
            throws ModelFileException {
        try {
            return new ImportedModel(model, weights, kind + (version.isEmpty() ? "" : " (Keras " + version + ")"),
                    version);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
    }

    private static Optional<String> attribute(Node node, String name, Path file) {
        try {
            return Hdf5.string(node, name, file);
        } catch (ModelFileException e) {
            return Optional.empty();
        }
    }

    /** Keras 2's layout: {@code layer_names} lists the layer groups, each with {@code weight_names}. */
    private static List<StoredWeights.Stored> legacyWeights(Group root, Path file) throws ModelFileException {
        List<StoredWeights.Stored> stored = new ArrayList<>();
        for (String layer : Hdf5.strings(root, "layer_names", file)) {
            Group group = group(root, layer, file);
            for (String weight : Hdf5.strings(group, "weight_names", file)) {
                Node node = group.getByPath(weight);
                if (!(node instanceof Dataset dataset)) {
                    throw new ModelFileException(file, group.getPath() + " names weight '" + weight
                            + "' in weight_names but holds no such dataset");
                }
                stored.add(new StoredWeights.Stored(layer, weight, Hdf5.tensor(dataset, file)));
            }
        }
        return stored;
    }

    private static Group group(Group parent, String name, Path file) throws ModelFileException {
        Node node = parent.getChild(name);
        if (!(node instanceof Group group)) {
            throw new ModelFileException(file, "has no group '" + name + "' under " + parent.getPath());
        }
        return group;
    }

    private static ImportedModel readArchive(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Config config = new Config(entry(zip, "config.json", file), file + " config.json");
            Network model = model(file, config);
            String version = "";
            if (zip.getEntry("metadata.json") != null) {
                version = parse(entry(zip, "metadata.json", file), file, "metadata.json").path("keras_version")
                        .asText("");
            }
            ZipEntry weightsEntry = zip.getEntry("model.weights.h5");
            if (weightsEntry == null) {
                throw new ModelFileException(file, "has no model.weights.h5");
            }
            // jhdf reads from a file: it copies the archive's entry to a temporary one, deleted on close.
            try (InputStream in = zip.getInputStream(weightsEntry); HdfFile h5 = HdfFile.fromInputStream(in)) {
                return imported(file, model,
                        StoredWeights.byPosition(model, keras3Weights(h5, config, file), file), "Keras .keras archive",
                        version);
            } catch (HdfException e) {
                throw new ModelFileException(file, "model.weights.h5 is not a readable HDF5 file: " + e.getMessage(), e);
            }
        } catch (java.util.zip.ZipException e) {
            throw new ModelFileException(file, "is not a readable zip archive: " + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file, "no such file", e);
        }
    }

    private static String entry(ZipFile zip, String name, Path file) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new ModelFileException(file, "has no " + name);
        }
        if (entry.getSize() > KerasJson.MAX_CONFIG_BYTES) {
            throw new ModelFileException(file, name + " is too large");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode parse(String json, Path file, String what) throws ModelFileException {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(file, what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Keras 3's layout: each layer's variables in order under {@code layers/<name>/vars/0, 1, …}, where the
     * name comes from the layer's class ({@code conv2d}, {@code conv2d_1}, {@code batch_normalization}, …)
     * and its position in its model, not from the layer's own name; a nested model's layers sit under
     * {@code layers/<model>/layers/…}. tf-keras 2.13 to 2.15 wrote {@code _layer_checkpoint_dependencies} for
     * {@code layers}, and Keras 3 reads that too; on Windows it joined the path with backslashes, making one
     * group named {@code layers\conv2d}. Keyed by the layer's name in the config.
     */
    private static Map<String, List<StoredWeights.Stored>> keras3Weights(Group root, Config config, Path file)
            throws ModelFileException {
        JsonNode model = parse(config.json(), file, config.source());
        if (model.has("modelTopology")) {
            model = model.get("modelTopology");
        }
        Map<String, String> paths = new LinkedHashMap<>();
        KerasSavingPaths.layerPaths(model, "", paths);
        Map<String, List<StoredWeights.Stored>> perLayer = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : paths.entrySet()) {
            String path = entry.getValue();
            Node vars = Hdf5.find(root, path + "/vars")
                    .or(() -> Hdf5.find(root, path.replace("layers", TF_KERAS_LAYERS) + "/vars"))
                    .or(() -> Hdf5.find(root, path.replace('/', '\\') + "/vars")).orElse(null);
            perLayer.put(entry.getKey(), vars instanceof Group group ? numbered(group, file) : List.of());
        }
        return perLayer;
    }

    /** The datasets {@code 0}, {@code 1}, … of a {@code vars} group, in number order. */
    private static List<StoredWeights.Stored> numbered(Group vars, Path file) throws ModelFileException {
        Map<Integer, Dataset> byIndex = new HashMap<>();
        for (Node child : vars.getChildren().values()) {
            try {
                if (child instanceof Dataset dataset) {
                    byIndex.put(Integer.parseInt(child.getName()), dataset);
                    continue;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ModelFileException(file, vars.getPath() + " holds '" + child.getName()
                    + "', expected datasets named 0, 1, ...");
        }
        List<StoredWeights.Stored> ordered = new ArrayList<>();
        List<Integer> indices = byIndex.keySet().stream().sorted(Comparator.naturalOrder()).toList();
        for (int i = 0; i < indices.size(); i++) {
            if (indices.get(i) != i) {
                throw new ModelFileException(file, vars.getPath() + " has variables " + indices + ", expected 0 to "
                        + (indices.size() - 1));
            }
            ordered.add(new StoredWeights.Stored(vars.getParent().getPath(), vars.getPath() + i,
                    Hdf5.tensor(byIndex.get(i), file)));
        }
        return ordered;
    }
}
