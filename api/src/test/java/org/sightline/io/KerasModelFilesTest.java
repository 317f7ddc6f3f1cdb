package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.KerasFixtures;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.model.Dense;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;

class KerasModelFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aKerasArchiveRoundTripsSequentialAndFunctionalModels() throws IOException {
        for (Network model : List.of(ReferenceModels.cifar10Cnn(), ReferenceModels.resnet20(Shape.image(32, 32, 3), 10),
                ReferenceModels.mobileNet(Shape.image(32, 32, 3), 10))) {
            Weights weights = model.initialWeights(7);
            Path file = dir.resolve(model.name() + ".keras");
            KerasArchive.write(file, model, weights);

            assertEquals(KerasModelFiles.Format.KERAS_ARCHIVE, KerasModelFiles.detect(file).orElseThrow());
            ImportedModel read = KerasModelFiles.read(file);
            assertEquals(model, read.model());
            assertEquals(weights, read.weights());
            assertEquals(KerasArchive.KERAS_VERSION, read.kerasVersion());
        }
    }

    @Test
    void theArchiveFollowsKerasSavingLibLayout() throws IOException {
        Sequential model = ReferenceModels.cifar10Cnn();
        Path file = dir.resolve("cnn.keras");
        KerasArchive.write(file, model, model.initialWeights(1));

        try (ZipFile zip = new ZipFile(file.toFile())) {
            assertEquals(List.of("metadata.json", "config.json", "model.weights.h5"),
                    zip.stream().map(ZipEntry::getName).toList());
            JsonNode metadata = JSON.readTree(zip.getInputStream(zip.getEntry("metadata.json")));
            assertEquals(KerasArchive.KERAS_VERSION, metadata.get("keras_version").asText());
            assertTrue(metadata.get("date_saved").asText().matches("\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d"));
            assertEquals(KerasJson.toJson(model),
                    new String(zip.getInputStream(zip.getEntry("config.json")).readAllBytes(), StandardCharsets.UTF_8));
        }
        Map<String, int[]> datasets = archiveDatasets(file);
        // Named by class and position, as Keras 3 does, not by layer name; the Sequential's InputLayer
        // and the layers without variables have no group.
        assertEquals(List.of("layers/batch_normalization/vars/0", "layers/batch_normalization/vars/1",
                "layers/batch_normalization/vars/2", "layers/batch_normalization/vars/3"),
                datasets.keySet().stream().filter(k -> k.startsWith("layers/batch_normalization/")).toList());
        assertArrayEquals(new int[] {3, 3, 3, 32}, datasets.get("layers/conv2d/vars/0"));
        assertArrayEquals(new int[] {3, 3, 32, 64}, datasets.get("layers/conv2d_1/vars/0"));
        assertArrayEquals(new int[] {8192, 256}, datasets.get("layers/dense/vars/0"));
        assertArrayEquals(new int[] {10}, datasets.get("layers/dense_2/vars/1"));
        assertFalse(datasets.keySet().stream().anyMatch(k -> k.contains("input_layer") || k.contains("flatten")));
        assertEquals(model.weights().size(), datasets.size());
    }

    @Test
    void anExportedArchiveHasTheLayoutKerasWroteForTheSameModel() throws IOException {
        // Real Keras 3.10 files (skipped where absent): their weights, read and written back by Sightline,
        // land at the same paths with the same shapes as in the file Keras wrote.
        for (JsonNode fixture : KerasFixtures.manifest()) {
            if (!fixture.get("format").asText().equals("keras")) {
                continue;
            }
            Path real = KerasFixtures.modelFile(fixture, fixture.get("file").asText());
            ImportedModel read = KerasModelFiles.read(real);
            Path exported = dir.resolve("exported-" + real.getFileName());
            KerasArchive.write(exported, read.model(), read.weights());

            Map<String, int[]> kerasWrote = new TreeMap<>(archiveDatasets(real));
            kerasWrote.keySet().removeIf(path -> !path.startsWith("layers/"));
            Map<String, int[]> sightlineWrote = archiveDatasets(exported);
            assertEquals(kerasWrote.keySet(), sightlineWrote.keySet(), real.getFileName().toString());
            for (String path : kerasWrote.keySet()) {
                assertArrayEquals(kerasWrote.get(path), sightlineWrote.get(path), path);
            }
            assertEquals(read.weights(), KerasModelFiles.read(exported).weights());
        }
    }

    @Test
    void h5pyReadsTheArchiveAsJhdfWroteIt() throws Exception {
        Network model = ReferenceModels.resnet20(Shape.image(32, 32, 3), 10);
        Path file = dir.resolve("resnet.keras");
        KerasArchive.write(file, model, model.initialWeights(2));
        Path h5 = dir.resolve("model.weights.h5");
        try (ZipFile zip = new ZipFile(file.toFile()); InputStream in = zip.getInputStream(zip.getEntry("model.weights.h5"))) {
            Files.copy(in, h5);
        }
        // An independent HDF5 reader: libhdf5 through h5py, where installed (CI installs python3-h5py).
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Process process = new ProcessBuilder(python.toString(), "-c", String.join("\n",
                "import h5py, sys",
                "f = h5py.File(sys.argv[1], 'r')",
                "out = []",
                "f.visititems(lambda k, o: out.append(k + ' ' + 'x'.join(map(str, o.shape)) + ' '"
                        + " + repr(float(o[()].ravel()[0]))) if isinstance(o, h5py.Dataset) else None)",
                "print('\\n'.join(sorted(out)))"), h5.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assumeTrue(!output.contains("No module named 'h5py'"), "python3-h5py is not installed");
        assertEquals(0, process.exitValue(), output);

        Weights weights = model.initialWeights(2);
        Map<String, int[]> datasets = archiveDatasets(file);
        List<String> expected = new ArrayList<>();
        for (Map.Entry<String, int[]> entry : datasets.entrySet()) {
            expected.add(entry.getKey() + " " + String.join("x", Arrays.stream(entry.getValue())
                    .mapToObj(Integer::toString).toList()));
        }
        List<String> lines = output.strip().lines().toList();
        assertEquals(expected, lines.stream().map(l -> l.substring(0, l.lastIndexOf(' '))).toList());
        // The first value of conv2d's kernel, as libhdf5 reads it.
        String conv = lines.stream().filter(l -> l.startsWith("layers/conv2d/vars/0 ")).findFirst().orElseThrow();
        assertEquals(weights.get("conv2d/kernel").get(0), Float.parseFloat(conv.substring(conv.lastIndexOf(' ') + 1)));
    }

    @Test
    void weightsOnlyHdf5IsReadWithItsConfigAndMismatchesAreNamed() throws IOException {
        Sequential model = ReferenceModels.smallCnn(Shape.image(8, 8, 3), 3);
        Weights weights = model.initialWeights(5);
        Path config = dir.resolve("model.json");
        Files.writeString(config, KerasJson.toJson(model));
        Path h5 = dir.resolve("model.weights.h5");
        writeKeras2Weights(h5, model, weights, Map.of());

        assertEquals(KerasModelFiles.Format.HDF5, KerasModelFiles.detect(h5).orElseThrow());
        ModelFileException alone = assertThrows(ModelFileException.class, () -> KerasModelFiles.read(h5));
        assertTrue(alone.getMessage().contains("holds weights only (save_weights): give the model's to_json() "
                + "config file with it"), alone.getMessage());

        ImportedModel read = KerasModelFiles.read(h5, config);
        assertEquals(weights, read.weights());
        assertTrue(read.format().startsWith("Keras HDF5 weights with " + config), read.format());

        String kernel = model.weights().get(0).key();
        Path wrong = dir.resolve("wrong.weights.h5");
        writeKeras2Weights(wrong, model, weights, Map.of(kernel, FloatTensor.filled(new int[] {3, 3, 3, 7}, 0f)));
        ModelFileException mismatch = assertThrows(ModelFileException.class, () -> KerasModelFiles.read(wrong, config));
        assertTrue(mismatch.getMessage().contains(wrong + ": its weights do not fit model 'sequential': " + kernel
                + " has shape " + Arrays.toString(model.weights().get(0).spec().shape())
                + " in the model but [3, 3, 3, 7] in the file"), mismatch.getMessage());
    }

    @Test
    void aTensorFlowJsModelIsReadWithQuantizedAndHalfPrecisionWeights() throws IOException {
        Sequential model = Sequential.of(Shape.of(4), Dense.of(3), Dense.of(2));
        float[] kernel = {0f, 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f, 4f, 4.5f, 5f, 5.5f};
        ByteBuffer first = ByteBuffer.allocate(12 * 4 + 3 * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : kernel) {
            first.putFloat(value);
        }
        for (short half : new short[] {0x3C00, (short) 0xC000, 0x3555}) {
            first.putShort(half); // 1, -2, 0.33325195 in float16
        }
        // uint8 quantization: value = q * scale + min.
        byte[] second = {0, 1, 2, 3, 4, 5, (byte) 255, 10};
        Files.write(dir.resolve("group1-shard1of1.bin"), first.array());
        Files.write(dir.resolve("group2-shard1of2.bin"), Arrays.copyOf(second, 5));
        Files.write(dir.resolve("group2-shard2of2.bin"), Arrays.copyOfRange(second, 5, 8));
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "layers-model");
        root.put("convertedBy", "TensorFlow.js Converter v3.19.0");
        root.set("modelTopology", JSON.readTree(KerasJson.toJson(model)));
        ArrayNode manifest = root.putArray("weightsManifest");
        ObjectNode group1 = manifest.addObject();
        group1.putArray("paths").add("group1-shard1of1.bin");
        ArrayNode weights1 = group1.putArray("weights");
        weights1.addObject().put("name", "dense/kernel").put("dtype", "float32").putArray("shape").add(4).add(3);
        ObjectNode bias = weights1.addObject().put("name", "dense/bias").put("dtype", "float32");
        bias.putArray("shape").add(3);
        bias.putObject("quantization").put("dtype", "float16");
        ObjectNode group2 = manifest.addObject();
        group2.putArray("paths").add("group2-shard1of2.bin").add("group2-shard2of2.bin");
        ObjectNode quantized = group2.putArray("weights").addObject().put("name", "sequential/dense_1/kernel")
                .put("dtype", "float32");
        quantized.putArray("shape").add(3).add(2);
        quantized.putObject("quantization").put("dtype", "uint8").put("scale", 0.5).put("min", -1.0);
        ObjectNode secondBias = ((ArrayNode) group2.get("weights")).addObject().put("name", "dense_1/bias")
                .put("dtype", "float32");
        secondBias.putArray("shape").add(2);
        secondBias.putObject("quantization").put("dtype", "uint8").put("scale", 0.25).put("min", 0.0);
        Path json = dir.resolve("model.json");
        Files.writeString(json, root.toString());

        assertEquals(KerasModelFiles.Format.TFJS, KerasModelFiles.detect(json).orElseThrow());
        ImportedModel read = KerasModelFiles.read(json);
        assertEquals("TensorFlow.js layers model (TensorFlow.js Converter v3.19.0)", read.format());
        assertArrayEquals(kernel, read.weights().get("dense/kernel").toArray());
        assertArrayEquals(new float[] {1f, -2f, 0.33325195f}, read.weights().get("dense/bias").toArray());
        assertArrayEquals(new float[] {-1f, -0.5f, 0f, 0.5f, 1f, 1.5f}, read.weights().get("dense_1/kernel").toArray());
        assertArrayEquals(new float[] {63.75f, 2.5f}, read.weights().get("dense_1/bias").toArray());
        assertEquals(read.model().totalParams(), 4 * 3 + 3 + 3 * 2 + 2);

        Files.delete(dir.resolve("group2-shard2of2.bin"));
        ModelFileException missing = assertThrows(ModelFileException.class, () -> KerasModelFiles.read(json));
        assertTrue(missing.getMessage().contains("names weight shard ") && missing.getMessage().contains(
                "group2-shard2of2.bin, which does not exist"), missing.getMessage());
        Files.write(dir.resolve("group2-shard2of2.bin"), new byte[] {1});
        ModelFileException truncated = assertThrows(ModelFileException.class, () -> KerasModelFiles.read(json));
        assertTrue(truncated.getMessage().contains("the shards end inside weight 'dense_1/bias' [2]"),
                truncated.getMessage());
    }

    @Test
    void filesThatAreNoKerasModelAreRefusedByName() throws IOException {
        Path text = dir.resolve("notes.h5");
        Files.writeString(text, "not a model");
        ModelFileException e = assertThrows(ModelFileException.class, () -> KerasModelFiles.read(text));
        assertEquals(text + ": is not a Keras model file: expected an HDF5 file (.h5), a .keras zip archive or a "
                + "TensorFlow.js model.json", e.getMessage());
        Path absent = dir.resolve("absent.h5");
        assertEquals(absent + ": no such file",
                assertThrows(ModelFileException.class, () -> KerasModelFiles.read(absent)).getMessage());
        assertTrue(KerasModelFiles.detect(dir).isEmpty());
    }

    @Test
    void aModelEndingWithoutSoftmaxOutputsLogits() {
        assertFalse(ReferenceModels.cifar10Cnn().outputsLogits());
        assertFalse(ReferenceModels.resnet20(Shape.image(32, 32, 3), 10).outputsLogits());
        assertTrue(Sequential.of(Shape.of(4), Dense.of(3)).outputsLogits());
        Sequential logits = Sequential.of(Shape.of(4), Dense.of(3));
        Weights weights = logits.initialWeights(1);
        float[] raw = ReferenceForwardPass.predict(logits, weights, new float[] {1, 2, 3, 4}, 1);
        assertTrue(Math.abs(raw[0] + raw[1] + raw[2] - 1) > 1e-3, "raw logits, not probabilities");
    }

    /** Every dataset of an archive's weights file, by path, with its shape, in path order. */
    private static Map<String, int[]> archiveDatasets(Path archive) throws IOException {
        Map<String, int[]> datasets = new TreeMap<>();
        try (ZipFile zip = new ZipFile(archive.toFile());
                InputStream in = zip.getInputStream(zip.getEntry("model.weights.h5"));
                HdfFile h5 = HdfFile.fromInputStream(in)) {
            collect(h5, datasets);
        }
        return datasets;
    }

    private static void collect(Group group, Map<String, int[]> datasets) {
        for (Node child : group.getChildren().values()) {
            if (child instanceof Dataset dataset) {
                datasets.put(dataset.getPath().replaceAll("^/+", ""), dataset.getDimensions());
            } else if (child instanceof Group inner) {
                collect(inner, datasets);
            }
        }
    }

    /**
     * A Keras 2 {@code save_weights} file: {@code layer_names} and, per layer group, {@code weight_names}
     * ({@code conv2d/kernel:0}) naming datasets at those paths; {@code replaced} swaps in other values.
     */
    private static void writeKeras2Weights(Path file, Network model, Weights weights, Map<String, FloatTensor> replaced) {
        List<String> layers = model.weights().stream().map(ModelWeight::layerName).distinct().toList();
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("layer_names", layers.toArray(String[]::new));
            h5.putAttribute("keras_version", "2.10.0");
            for (String layer : layers) {
                WritableGroup group = h5.putGroup(layer);
                List<ModelWeight> own = model.weights().stream().filter(w -> w.layerName().equals(layer)).toList();
                group.putAttribute("weight_names", own.stream().map(w -> layer + "/" + w.spec().name() + ":0")
                        .toArray(String[]::new));
                WritableGroup inner = group.putGroup(layer);
                for (ModelWeight weight : own) {
                    FloatTensor value = replaced.getOrDefault(weight.key(), weights.get(weight.key()));
                    inner.putDataset(weight.spec().name() + ":0", nested(value));
                }
            }
        }
    }

    private static Object nested(FloatTensor tensor) {
        int[] shape = tensor.shape();
        float[] values = tensor.toArray();
        if (shape.length == 1) {
            return values;
        }
        Object array = java.lang.reflect.Array.newInstance(float.class, shape);
        int inner = shape[shape.length - 1];
        int rows = values.length / inner;
        for (int row = 0; row < rows; row++) {
            Object target = array;
            int rest = row;
            for (int axis = 0; axis < shape.length - 1; axis++) {
                int stride = 1;
                for (int k = axis + 1; k < shape.length - 1; k++) {
                    stride *= shape[k];
                }
                target = java.lang.reflect.Array.get(target, rest / stride);
                rest %= stride;
            }
            System.arraycopy(values, row * inner, target, 0, inner);
        }
        return array;
    }
}
