package org.sightline.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * Writes a Keras 3 {@code .keras} archive as Keras 3's {@code saving_lib.save_model} does: a zip of
 * {@code metadata.json} ({@code keras_version}, {@code date_saved}), {@code config.json} (the model's
 * config, {@link KerasJson#toJson}) and {@code model.weights.h5}, where every layer's variables sit under
 * {@code layers/<class-based name>/vars/0, 1, …} ({@link KerasSavingPaths}) in Keras's order, as Keras
 * 3.1 wrote them (later versions add the layer's name as an attribute of each {@code vars} group, which
 * loading ignores). Layers without variables get no group: Keras reads a missing {@code vars} group as no
 * variables, and jhdf 0.9.2 writes an unreadable file when an empty group follows one holding data. Keras 3
 * loads the archive with {@code keras.saving.load_model}.
 *
 * <pre>{@code
 * KerasArchive.write(Path.of("model.keras"), saved.model(), saved.weights());
 * }</pre>
 */
public final class KerasArchive {
    /** The Keras version the archive records: the release whose layout this follows. */
    public static final String KERAS_VERSION = "3.1.1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DATE_SAVED = DateTimeFormatter.ofPattern("yyyy-MM-dd@HH:mm:ss", Locale.ROOT);

    private KerasArchive() {
    }

    /** Writes {@code model} with {@code weights} to {@code file}, atomically replacing any previous file. */
    public static void write(Path file, Network model, Weights weights) throws IOException {
        model.requireCompatible(weights, "the model to export");
        String config = KerasJson.toJson(model);
        ObjectNode metadata = JSON.createObjectNode();
        metadata.put("keras_version", KERAS_VERSION);
        metadata.put("date_saved", LocalDateTime.now().format(DATE_SAVED));
        Path h5 = Files.createTempFile("sightline-", ".weights.h5");
        try {
            writeWeights(h5, model, weights, JSON.readTree(config));
            AtomicFile.write(file, channel -> {
                OutputStream out = Channels.newOutputStream(channel);
                ZipOutputStream zip = new ZipOutputStream(out);
                put(zip, "metadata.json", JSON.writeValueAsBytes(metadata));
                put(zip, "config.json", config.getBytes(StandardCharsets.UTF_8));
                put(zip, "model.weights.h5", Files.readAllBytes(h5));
                zip.finish();
                out.flush();
            });
        } finally {
            Files.deleteIfExists(h5);
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    private static void writeWeights(Path h5, Network model, Weights weights, JsonNode config) {
        Map<String, String> paths = new LinkedHashMap<>();
        KerasSavingPaths.layerPaths(config, "", paths);
        Map<String, List<ModelWeight>> perLayer = new LinkedHashMap<>();
        for (ModelWeight weight : model.weights()) {
            perLayer.computeIfAbsent(weight.layerName(), k -> new ArrayList<>()).add(weight);
        }
        try (WritableHdfFile file = HdfFile.write(h5)) {
            WritableGroup layers = file.putGroup("layers");
            for (Map.Entry<String, String> layer : paths.entrySet()) {
                List<ModelWeight> own = perLayer.getOrDefault(layer.getKey(), List.of());
                if (own.isEmpty()) {
                    continue;
                }
                String name = layer.getValue().substring("layers/".length());
                WritableGroup vars = layers.putGroup(name).putGroup("vars");
                for (int i = 0; i < own.size(); i++) {
                    vars.putDataset(Integer.toString(i), nested(weights.get(own.get(i).key())));
                }
            }
        }
    }

    /** The tensor as the nested Java array ({@code float[][][][]} for a 4-D kernel) jhdf writes. */
    private static Object nested(FloatTensor tensor) {
        int[] shape = tensor.shape();
        float[] values = tensor.toArray();
        if (shape.length == 0) {
            return values[0];
        }
        Object array = Array.newInstance(float.class, shape);
        fill(array, shape, 0, values, 0);
        return array;
    }

    private static int fill(Object array, int[] shape, int axis, float[] values, int offset) {
        if (axis == shape.length - 1) {
            System.arraycopy(values, offset, array, 0, shape[axis]);
            return offset + shape[axis];
        }
        for (int i = 0; i < shape[axis]; i++) {
            offset = fill(Array.get(array, i), shape, axis + 1, values, offset);
        }
        return offset;
    }
}
