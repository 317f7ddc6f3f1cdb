package org.sightline.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sightline.model.FloatTensor;
import org.sightline.model.KerasConfig;
import org.sightline.model.Network;

/**
 * A TensorFlow.js layers model: {@code model.json} ({@code modelTopology}, the Keras config, and
 * {@code weightsManifest}) and the binary shards it names, beside it. Each manifest group's shards
 * are one little-endian byte stream holding its weights in order; float32, int32 and the converter's
 * quantized forms (uint8 or uint16 with {@code scale} and {@code min}, float16) are read.
 */
final class TfjsModel {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TfjsModel() {
    }

    static ImportedModel read(Path file) throws IOException {
        if (Files.size(file) > KerasJson.MAX_CONFIG_BYTES) {
            throw new ModelFileException(file, "is too large for a TensorFlow.js model.json");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.has("modelTopology")) {
            throw new ModelFileException(file, "is not a TensorFlow.js layers model: it has no modelTopology");
        }
        JsonNode manifest = root.get("weightsManifest");
        if (manifest == null || !manifest.isArray()) {
            throw new ModelFileException(file, "has no weightsManifest: a topology without weights");
        }
        Network model;
        try {
            model = KerasConfig.withTrainedWeights(() -> KerasJson.modelFromJson(text, file.toString()));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "holds a model Sightline cannot use: " + e.getMessage(), e);
        }
        List<StoredWeights.Stored> stored = new ArrayList<>();
        Path folder = file.toAbsolutePath().getParent();
        for (JsonNode group : manifest) {
            ByteBuffer bytes = shards(file, folder, group.path("paths"));
            for (JsonNode weight : group.path("weights")) {
                String name = weight.path("name").asText("");
                FloatTensor value = tensor(file, weight, bytes);
                int slash = name.lastIndexOf('/');
                stored.add(new StoredWeights.Stored(slash < 0 ? name : name.substring(0, slash), name, value));
            }
            if (bytes.hasRemaining()) {
                throw new ModelFileException(file, "weight group " + group.path("paths") + " has "
                        + bytes.remaining() + " bytes more than its weights need");
            }
        }
        JsonNode topology = root.get("modelTopology");
        String version = topology.path("keras_version").asText("");
        String converter = root.path("convertedBy").asText("");
        try {
            return new ImportedModel(model, StoredWeights.byLayerName(model, stored, file),
                    "TensorFlow.js layers model" + (converter.isEmpty() ? "" : " (" + converter + ")"), version);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
    }

    /** The group's shard files, one after the other. */
    private static ByteBuffer shards(Path file, Path folder, JsonNode paths) throws IOException {
        if (!paths.isArray() || paths.isEmpty()) {
            throw new ModelFileException(file, "a weightsManifest group names no shard files");
        }
        List<byte[]> parts = new ArrayList<>();
        int total = 0;
        for (JsonNode path : paths) {
            Path shard = folder.resolve(path.asText()).normalize();
            if (!shard.startsWith(folder)) {
                throw new ModelFileException(file, "names shard '" + path.asText() + "' outside its folder");
            }
            if (!Files.isRegularFile(shard)) {
                throw new ModelFileException(file, "names weight shard " + shard + ", which does not exist");
            }
            try (InputStream in = Files.newInputStream(shard)) {
                byte[] bytes = in.readAllBytes();
                parts.add(bytes);
                total = Math.addExact(total, bytes.length);
            }
        }
        ByteBuffer all = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        parts.forEach(all::put);
        return all.flip();
    }

    private static FloatTensor tensor(Path file, JsonNode weight, ByteBuffer bytes) throws ModelFileException {
        String name = weight.path("name").asText("?");
        int[] shape = new int[weight.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = weight.path("shape").get(i).asInt();
        }
        int count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        JsonNode quantization = weight.get("quantization");
        String dtype = quantization == null ? weight.path("dtype").asText("float32")
                : quantization.path("dtype").asText("");
        int width = switch (dtype) {
            case "float32", "int32" -> 4;
            case "uint16", "float16" -> 2;
            case "uint8" -> 1;
            default -> throw new ModelFileException(file, "weight '" + name + "' has dtype '" + dtype
                    + "'; Sightline reads float32, int32, and uint8, uint16 or float16 quantization");
        };
        if (bytes.remaining() < (long) count * width) {
            throw new ModelFileException(file, "the shards end inside weight '" + name + "' "
                    + Arrays.toString(shape) + ": truncated or the wrong files");
        }
        float scale = quantization == null ? 1f : (float) quantization.path("scale").asDouble(1);
        float min = quantization == null ? 0f : (float) quantization.path("min").asDouble(0);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = switch (dtype) {
                case "float32" -> bytes.getFloat();
                case "int32" -> bytes.getInt();
                case "float16" -> halfToFloat(bytes.getShort());
                case "uint16" -> (bytes.getShort() & 0xFFFF) * scale + min;
                default -> (bytes.get() & 0xFF) * scale + min;
            };
        }
        return FloatTensor.of(shape, values);
    }

    /** An IEEE 754 half-precision value as a float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
