package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.data.PixelScaling;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.MaxNorm;
import org.sightline.model.ModelWeight;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;
import org.sightline.compile.ExponentialDecay;
import org.sightline.compile.OptimizerState;
import org.sightline.compile.Sgd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class ModelFileTest {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFileTest.class);
    private static final List<String> CIFAR_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    @TempDir
    Path dir;

    /** A small model with every kind of weight, for the error cases. */
    private static Sequential smallModel() {
        return Sequential.of(Shape.image(4, 4, 1), Conv2D.of(2, 3), BatchNormalization.of(), Flatten.of(),
                Dense.of(3).withKernelConstraint(MaxNorm.of(3)), Activation.of(ActivationFunction.SOFTMAX));
    }

    private static SavedModel smallSaved() {
        Sequential model = smallModel();
        return SavedModel.of(model, model.initialWeights(5), List.of("a", "b", "c"));
    }

    /** Adam moments filled with distinct values so that a mix-up would show. */
    private static TrainingState trainingState(Sequential model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder slots = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            if (weight.spec().trainable()) {
                for (String moment : List.of(OptimizerState.FIRST_MOMENT, OptimizerState.SECOND_MOMENT)) {
                    float[] values = new float[(int) weight.spec().size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) random.nextDouble();
                    }
                    slots.put(OptimizerState.slotName(weight.key(), moment),
                            FloatTensor.wrap(weight.spec().shape(), values));
                }
            }
        }
        CompileOptions options = CompileOptions.of(new Adam(2.5e-4, 0.85, 0.995, 1e-6));
        return new TrainingState(options, new OptimizerState(12_345, slots.build()), 7);
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    private ModelFileException loadFails(Path file, String... parts) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertEquals(file, e.file());
        assertMentions(e, parts);
        return e;
    }

    /** Copies a saved file, leaving out some tensors and overriding some metadata. */
    private Path rewrite(Path source, String name, Predicate<String> keepTensor, Map<String, String> metadata,
            Map<String, FloatTensor> extraTensors) throws IOException {
        SafeTensors.Writer writer = SafeTensors.writer();
        try (SafeTensors read = SafeTensors.read(source)) {
            Map<String, String> merged = new HashMap<>(read.metadata());
            merged.putAll(metadata);
            merged.forEach((k, v) -> {
                if (v != null) {
                    writer.metadata(k, v);
                }
            });
            for (String tensor : read.names()) {
                if (keepTensor.test(tensor)) {
                    writer.put(tensor, read.floatTensor(tensor));
                }
            }
        }
        extraTensors.forEach(writer::put);
        Path target = dir.resolve(name);
        writer.writeTo(target);
        return target;
    }

    private Path savedSmall() throws IOException {
        Path file = dir.resolve("small.safetensors");
        ModelFile.save(file, smallSaved());
        return file;
    }

    /** Saves and loads {@code saved}, logging how long each took (the numbers quoted in reports). */
    private static SavedModel saveAndLoad(Path file, SavedModel saved, String what) throws IOException {
        long start = System.nanoTime();
        ModelFile.save(file, saved);
        long saving = System.nanoTime() - start;
        start = System.nanoTime();
        SavedModel loaded = ModelFile.load(file);
        long loading = System.nanoTime() - start;
        LOG.info("{} of {} bytes: save {} ms, load {} ms", what, Files.size(file), saving / 1_000_000,
                loading / 1_000_000);
        return loaded;
    }

    @Test
    void referenceModelRoundTrips() throws IOException {
        Sequential model = ReferenceModels.cifar10Cnn();
        SavedModel saved = SavedModel.of(model, model.initialWeights(21), CIFAR_CLASSES);
        Path file = dir.resolve("cifar10.safetensors");
        SavedModel loaded = saveAndLoad(file, saved, "Reference model file");

        assertEquals(model, loaded.model());
        assertEquals(saved.weights(), loaded.weights());
        assertEquals(List.copyOf(saved.weights().names()), List.copyOf(loaded.weights().names()));
        assertEquals(CIFAR_CLASSES, loaded.classNames());
        assertEquals(Optional.empty(), loaded.training());
        // 2,264,458 float32 values plus the header.
        assertTrue(Files.size(file) > 2_264_458L * 4 && Files.size(file) < 2_264_458L * 4 + 64_000);

        float[] image = new float[32 * 32 * 3];
        Arrays.fill(image, 0.5f);
        assertArrayEquals(ReferenceForwardPass.predict(model, saved.weights(), image, 1),
                ReferenceForwardPass.predict(loaded.model(), loaded.weights(), image, 1));
    }

    @Test
    void preprocessingIsRecordedAndReadBack() throws IOException {
        Sequential model = ReferenceModels.smallCnn(Shape.image(8, 8, 3), 3);
        PixelScaling imagenet = PixelScaling.of(1 / 127.5, new float[] {1f, 0.5f, 0.25f},
                new float[] {0.229f, 0.224f, 0.225f});
        Path file = dir.resolve("imagenet.safetensors");
        ModelFile.save(file, SavedModel.of(model, model.initialWeights(3), List.of("a", "b", "c"), imagenet));
        assertEquals(imagenet, ModelFile.load(file).preprocessing());
        try (SafeTensors read = SafeTensors.read(file)) {
            assertEquals("0.00784313725490196", read.metadata().get("sightline.input_scale"));
            assertEquals("[1.0,0.5,0.25]", read.metadata().get("sightline.input_mean"));
        }

        Path plain = dir.resolve("plain.safetensors");
        ModelFile.save(plain, SavedModel.of(model, model.initialWeights(3), List.of("a", "b", "c")));
        assertEquals(PixelScaling.SIGHTLINE, ModelFile.load(plain).preprocessing());
    }

    @Test
    void fileHoldsKerasNamesLayoutsAndMetadata() throws IOException {
        Sequential model = ReferenceModels.cifar10Cnn();
        Path file = dir.resolve("cifar10.safetensors");
        ModelFile.save(file, SavedModel.of(model, model.initialWeights(21), CIFAR_CLASSES));
        try (SafeTensors read = SafeTensors.read(file)) {
            assertEquals(model.weights().stream().map(ModelWeight::key).toList(), List.copyOf(read.names()));
            assertArrayEquals(new int[] {3, 3, 3, 32}, read.info("conv2d/kernel").shape());
            assertArrayEquals(new int[] {8192, 256}, read.info("dense/kernel").shape());
            assertArrayEquals(new int[] {64}, read.info("batch_normalization_1/moving_variance").shape());
            assertEquals(SafeTensors.DType.F32, read.info("dense_2/bias").dtype());
            Map<String, String> meta = read.metadata();
            assertEquals("1", meta.get("sightline.format_version"));
            assertEquals(model, KerasJson.modelFromJson(meta.get("sightline.model_config")));
            assertEquals("[\"airplane\",\"automobile\",\"bird\",\"cat\",\"deer\",\"dog\",\"frog\",\"horse\",\"ship\","
                    + "\"truck\"]", meta.get("sightline.class_names"));
            assertEquals(1f / 255f, Float.parseFloat(meta.get("sightline.input_scale")));
            assertFalse(meta.containsKey("sightline.epochs_completed"));
        }
    }

    @Test
    void checkpointRoundTripsTheOptimizerState() throws IOException {
        Sequential model = ReferenceModels.cifar10Cnn();
        TrainingState training = trainingState(model, 3);
        SavedModel saved = new SavedModel(model, model.initialWeights(21), CIFAR_CLASSES, PixelScaling.SIGHTLINE,
                Optional.of(training));
        Path file = dir.resolve("checkpoint.safetensors");
        SavedModel loaded = saveAndLoad(file, saved, "Reference checkpoint");

        assertEquals(saved.weights(), loaded.weights());
        assertEquals(Optional.of(training), loaded.training());
        TrainingState resumed = loaded.training().orElseThrow();
        assertEquals(7, resumed.epochsCompleted());
        assertEquals(12_345, resumed.optimizer().iterations());
        assertEquals(new Adam(2.5e-4, 0.85, 0.995, 1e-6), resumed.compileOptions().optimizer());
        // m and v for the 26 trainable weights (4 conv and 3 dense kernels and biases, 6 gammas and
        // betas); none for the moving statistics.
        assertEquals(52, resumed.optimizer().slots().size());
        assertFalse(resumed.optimizer().slots().contains("batch_normalization/moving_mean/m"));
        try (SafeTensors read = SafeTensors.read(file)) {
            assertTrue(read.contains("optimizer/conv2d/kernel/m"));
            assertTrue(read.contains("optimizer/dense_2/bias/v"));
        }
    }

    @Test
    void sgdCheckpointRoundTripsItsMomentumSlots() throws IOException {
        Sequential model = smallModel();
        Sgd sgd = new Sgd(0.05, 0.9, true).withSchedule(new ExponentialDecay(100, 0.5, true));
        Weights.Builder slots = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            if (weight.spec().trainable()) {
                slots.put(OptimizerState.slotName(weight.key(), Sgd.VELOCITY),
                        FloatTensor.filled(weight.spec().shape(), weight.key().length()));
            }
        }
        TrainingState training = new TrainingState(CompileOptions.of(sgd), new OptimizerState(9, slots.build()), 2);
        SavedModel saved = new SavedModel(model, model.initialWeights(4), List.of("a", "b", "c"),
                PixelScaling.SIGHTLINE, Optional.of(training));
        SavedModel loaded = saveAndLoad(dir.resolve("sgd.safetensors"), saved, "SGD checkpoint");
        assertEquals(Optional.of(training), loaded.training());
        assertEquals(sgd, loaded.training().orElseThrow().compileOptions().optimizer());
    }

    @Test
    void checkpointKeepsItsPrecision() throws IOException {
        Sequential model = smallModel();
        TrainingState plain = trainingState(model, 2);
        TrainingState mixed = new TrainingState(plain.compileOptions().withPrecision(Precision.MIXED_BFLOAT16),
                plain.optimizer(), plain.epochsCompleted());
        Path file = dir.resolve("mixed.safetensors");
        SavedModel loaded = saveAndLoad(file, new SavedModel(model, model.initialWeights(3), List.of("a", "b", "c"),
                PixelScaling.SIGHTLINE, Optional.of(mixed)), "mixed-precision checkpoint");
        assertEquals(Precision.MIXED_BFLOAT16, loaded.training().orElseThrow().compileOptions().precision());

        Map<String, String> noPrecision = new HashMap<>();
        noPrecision.put("sightline.precision", null);
        assertEquals(Precision.FLOAT32, ModelFile.load(rewrite(file, "older.safetensors", n -> true, noPrecision,
                Map.of())).training().orElseThrow().compileOptions().precision(), "a file from before precisions");
        loadFails(rewrite(file, "fp8.safetensors", n -> true, Map.of("sightline.precision", "mixed_float8"), Map.of()),
                "sightline.precision: Unknown precision 'mixed_float8', expected one of [float32, mixed_bfloat16]");
    }

    @Test
    void savingAgainReplacesTheFile() throws IOException {
        Path file = savedSmall();
        Sequential model = smallModel();
        SavedModel second = new SavedModel(model, model.initialWeights(6), List.of("x", "y", "z"),
                PixelScaling.SIGHTLINE, Optional.of(trainingState(model, 1)));
        ModelFile.save(file, second);
        SavedModel loaded = ModelFile.load(file);
        assertEquals(second.weights(), loaded.weights());
        assertEquals(List.of("x", "y", "z"), loaded.classNames());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void aFailedWriteLeavesThePreviousFileAndNoTemporaryFile() throws IOException {
        Path file = savedSmall();
        byte[] before = Files.readAllBytes(file);
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(file, channel -> {
            channel.write(ByteBuffer.wrap(new byte[100_000]));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(smallSaved().weights(), ModelFile.load(file).weights());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void truncatedFilesAreRejected() throws IOException {
        Sequential model = ReferenceModels.cifar10Cnn();
        Path file = dir.resolve("cifar10.safetensors");
        ModelFile.save(file, SavedModel.of(model, model.initialWeights(21), CIFAR_CLASSES));
        byte[] bytes = Files.readAllBytes(file);

        Path halfData = dir.resolve("half.safetensors");
        Files.write(halfData, Arrays.copyOf(bytes, bytes.length / 2));
        loadFails(halfData, "past the end of the data section", "the file is truncated");

        Path lastByte = dir.resolve("last-byte.safetensors");
        Files.write(lastByte, Arrays.copyOf(bytes, bytes.length - 1));
        loadFails(lastByte, "tensor 'dense_2/bias'", "the file is truncated");

        Path inHeader = dir.resolve("in-header.safetensors");
        Files.write(inHeader, Arrays.copyOf(bytes, 100));
        loadFails(inHeader, "runs past the end of the file (100 bytes)");

        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        loadFails(empty, "is 0 bytes long");
    }

    @Test
    void corruptHeadersAreRejected() throws IOException {
        byte[] bytes = Files.readAllBytes(savedSmall());
        String header = new String(bytes, 8, 200, StandardCharsets.UTF_8);

        byte[] brokenJson = bytes.clone();
        brokenJson[8 + header.indexOf(':')] = '!';
        Path json = dir.resolve("json.safetensors");
        Files.write(json, brokenJson);
        loadFails(json, "is not valid JSON at file offset");

        // A bias's begin offset changed from one digit to another: the sizes no longer match.
        byte[] brokenOffsets = bytes.clone();
        String text = new String(bytes, 0, bytes.length, StandardCharsets.ISO_8859_1);
        int offsets = text.indexOf("\"data_offsets\":[", text.indexOf("\"conv2d/bias\"")) + "\"data_offsets\":[".length();
        brokenOffsets[offsets] = (byte) (bytes[offsets] == '9' ? '1' : bytes[offsets] + 1);
        Path offsetsFile = dir.resolve("offsets.safetensors");
        Files.write(offsetsFile, brokenOffsets);
        loadFails(offsetsFile, "tensor 'conv2d/bias'", "data_offsets");

        byte[] longerHeader = bytes.clone();
        ByteBuffer.wrap(longerHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        Path lengthFile = dir.resolve("length.safetensors");
        Files.write(lengthFile, longerHeader);
        loadFails(lengthFile, "header length " + bytes.length + " (bytes 0-7) runs past the end of the file");
    }

    @Test
    void missingAndMisshapenWeightsAreNamed() throws IOException {
        Path file = savedSmall();
        Path missing = rewrite(file, "missing.safetensors", name -> !name.equals("conv2d/kernel"), Map.of(), Map.of());
        loadFails(missing, "do not fit model 'sequential'", "missing conv2d/kernel");

        Path wrongShape = rewrite(file, "shape.safetensors", name -> !name.equals("dense/bias"), Map.of(),
                Map.of("dense/bias", FloatTensor.filled(new int[] {4}, 0)));
        loadFails(wrongShape, "dense/bias has shape [4], expected [3]");

        Path extra = rewrite(file, "extra.safetensors", name -> true, Map.of(),
                Map.of("dense_9/kernel", FloatTensor.filled(new int[] {1}, 0)));
        loadFails(extra, "unexpected dense_9/kernel");

        Path longs = dir.resolve("longs.safetensors");
        SafeTensors.Writer writer = SafeTensors.writer();
        try (SafeTensors read = SafeTensors.read(file)) {
            read.metadata().forEach(writer::metadata);
            for (String name : read.names()) {
                if (name.equals("dense/bias")) {
                    writer.putLongs(name, new int[] {3}, new long[] {1, 2, 3});
                } else {
                    writer.put(name, read.floatTensor(name));
                }
            }
        }
        writer.writeTo(longs);
        loadFails(longs, "tensor 'dense/bias'", "is I64, expected F32");
    }

    @Test
    void filesThatAreNotSightlineModelsAreRejected() throws IOException {
        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.writer().metadata("format", "pt").put("w", FloatTensor.filled(new int[] {2}, 1)).writeTo(plain);
        loadFails(plain, "is a safetensors file but not a Sightline model", "sightline.format_version");

        Path file = savedSmall();
        Map<String, String> newer = Map.of("sightline.format_version", "2");
        loadFails(rewrite(file, "newer.safetensors", n -> true, newer, Map.of()), "has format version 2");
        Map<String, String> noConfig = new HashMap<>();
        noConfig.put("sightline.model_config", null);
        loadFails(rewrite(file, "no-config.safetensors", n -> true, noConfig, Map.of()),
                "__metadata__ has no 'sightline.model_config'");
    }

    @Test
    void badMetadataIsRejected() throws IOException {
        Path file = savedSmall();
        loadFails(rewrite(file, "classes.safetensors", n -> true, Map.of("sightline.class_names", "[\"a\", \"b\"]"),
                Map.of()), "has 3 outputs but 2 class names were given");
        loadFails(rewrite(file, "classes-json.safetensors", n -> true, Map.of("sightline.class_names", "a, b, c"),
                Map.of()), "sightline.class_names is not valid JSON");
        loadFails(rewrite(file, "scale.safetensors", n -> true, Map.of("sightline.input_scale", "-1"), Map.of()),
                "holds preprocessing Sightline cannot use (sightline.input_scale -1)", "must be a positive number");
        loadFails(rewrite(file, "mean.safetensors", n -> true, Map.of("sightline.input_mean", "[0.5]"), Map.of()),
                "records sightline.input_mean without sightline.input_std");
        loadFails(rewrite(file, "std.safetensors", n -> true, Map.of("sightline.input_mean", "[0.5]",
                "sightline.input_std", "[0]"), Map.of()), "PixelScaling.std values must be positive, got [0.0]");
        String unsupported = KerasJson.toJson(smallModel()).replace("\"Flatten\"", "\"LSTM\"");
        loadFails(rewrite(file, "config.safetensors", n -> true, Map.of("sightline.model_config", unsupported),
                Map.of()), "holds a model config Sightline cannot use", "(LSTM)",
                "unsupported layer 'flatten' (LSTM)");
        loadFails(rewrite(file, "version.safetensors", n -> true, Map.of("sightline.format_version", "one"),
                Map.of()), "sightline.format_version 'one' is not an integer");
    }

    @Test
    void incompleteOptimizerStateIsRejected() throws IOException {
        Path file = dir.resolve("checkpoint.safetensors");
        Sequential model = smallModel();
        ModelFile.save(file, new SavedModel(model, model.initialWeights(5), List.of("a", "b", "c"),
                PixelScaling.SIGHTLINE, Optional.of(trainingState(model, 2))));
        assertTrue(ModelFile.load(file).training().isPresent());

        loadFails(rewrite(file, "no-v.safetensors", n -> !n.equals("optimizer/dense/kernel/v"), Map.of(), Map.of()),
                "optimizer state does not fit model 'sequential'", "missing optimizer/dense/kernel/v");
        loadFails(rewrite(file, "stray.safetensors", n -> true, Map.of(),
                Map.of("optimizer/batch_normalization/moving_mean/m", FloatTensor.filled(new int[] {2}, 0))),
                "unexpected optimizer/batch_normalization/moving_mean/m");
        loadFails(rewrite(file, "slot-shape.safetensors", n -> !n.equals("optimizer/dense/bias/m"), Map.of(),
                Map.of("optimizer/dense/bias/m", FloatTensor.filled(new int[] {2}, 0))),
                "optimizer/dense/bias/m has shape [2], expected [3]");
        loadFails(rewrite(file, "compile.safetensors", n -> true,
                Map.of("sightline.compile_config", "{\"optimizer\": \"rmsprop\", \"loss\": \"categorical_crossentropy\"}"),
                Map.of()), "optimizer 'rmsprop' is not supported");
        loadFails(rewrite(file, "epochs.safetensors", n -> true, Map.of("sightline.epochs_completed", "-1"), Map.of()),
                "TrainingState.epochsCompleted must be >= 0, got -1");
        Map<String, String> noIterations = new HashMap<>();
        noIterations.put("sightline.optimizer_iterations", null);
        loadFails(rewrite(file, "iterations.safetensors", n -> true, noIterations, Map.of()),
                "has no 'sightline.optimizer_iterations'");
    }

    @Test
    void weightsThatAreNotFiniteAreRefusedNamingTheFirstBadTensor() throws IOException {
        Path file = savedSmall();
        float[] kernel = new float[3 * 3 * 1 * 2];
        kernel[4] = Float.NaN;
        kernel[9] = Float.POSITIVE_INFINITY;
        loadFails(rewrite(file, "nan.safetensors", n -> !n.equals("conv2d/kernel"), Map.of(),
                Map.of("conv2d/kernel", FloatTensor.wrap(new int[] {3, 3, 1, 2}, kernel))),
                "tensor 'conv2d/kernel' holds 2 non-finite values (first NaN at index 4 of 18)");
        loadFails(rewrite(file, "inf.safetensors", n -> !n.equals("dense/bias"), Map.of(),
                Map.of("dense/bias", FloatTensor.wrap(new int[] {3}, new float[] {0, Float.NEGATIVE_INFINITY, 0}))),
                "tensor 'dense/bias' holds 1 non-finite values (first -Infinity at index 1 of 3)");
    }

    @Test
    void optimizerSlotsThatAreNotFiniteAreRefused() throws IOException {
        Path file = dir.resolve("checkpoint.safetensors");
        Sequential model = smallModel();
        ModelFile.save(file, new SavedModel(model, model.initialWeights(5), List.of("a", "b", "c"),
                PixelScaling.SIGHTLINE, Optional.of(trainingState(model, 2))));
        loadFails(rewrite(file, "nan-slot.safetensors", n -> !n.equals("optimizer/dense/bias/v"), Map.of(),
                Map.of("optimizer/dense/bias/v", FloatTensor.wrap(new int[] {3}, new float[] {0, 0, Float.NaN}))),
                "tensor 'optimizer/dense/bias/v' holds 1 non-finite values (first NaN at index 2 of 3)");
    }

    @Test
    void aMissingFileOrADirectoryIsNamedAsSuch() {
        Path missing = dir.resolve("absent.safetensors");
        loadFails(missing, "no such model file");
        loadFails(dir, "is a directory, expected a model file");
    }

    @Test
    void aHugeFileThatIsNotASightlineModelIsRefusedBeforeItsDataIsRead() throws IOException {
        long huge = 3_200_000_000L; // larger than the test JVM's heap: reading it would fail with OutOfMemoryError
        byte[] header = ("{\"__metadata__\": {\"format\": \"pt\"}, \"embedding\": {\"dtype\": \"F32\", "
                + "\"shape\": [800000000], \"data_offsets\": [0, " + huge + "]}}").getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("foreign.safetensors");
        Files.write(file, ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array());
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(sparse.length() + huge); // sparse: takes no disk space
        }
        loadFails(file, "is a safetensors file but not a Sightline model");
    }

    @Test
    void aModelConfigTooLargeForATensorNamesTheFileAndTheShape() throws IOException {
        Path file = savedSmall();
        String huge = KerasJson.toJson(smallModel()).replace("[null,4,4,1]", "[null,65536,65536,1]");
        loadFails(rewrite(file, "huge-config.safetensors", n -> true, Map.of("sightline.model_config", huge),
                Map.of()), "holds a model config Sightline cannot use",
                "shape (None, 65536, 65536, 1) has 4,294,967,296 values per example, more than the 2,147,483,647 a "
                        + "tensor can hold");
    }
}
