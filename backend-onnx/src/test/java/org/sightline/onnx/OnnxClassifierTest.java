package org.sightline.onnx;

import static org.sightline.conformance.BackendConformanceTest.randomImages;
import static org.sightline.conformance.BackendConformanceTest.randomized;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
import org.sightline.inference.Probabilities;
import org.sightline.inference.Predictor;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Device;
import org.sightline.spi.EngineException;
import org.sightline.train.Evaluation;
import org.sightline.train.Model;
import org.sightline.train.Prediction;

class OnnxClassifierTest {
    private static final Shape IMAGE = Shape.image(ForeignModel.SIZE, ForeignModel.SIZE, ForeignModel.CHANNELS);
    private static final OnnxClassifier.Options DEFAULTS = OnnxClassifier.Options.defaults();

    private final ForeignModel foreign = new ForeignModel(42);
    private final float[] images = randomImages(IMAGE, 3, 8);

    @TempDir
    Path temp;

    @Test
    void foreignNchwLogitsModelMatchesAHandComputation() throws IOException {
        Path file = temp.resolve("foreign.onnx");
        Files.write(file, foreign.proto(-1).toByteArray());
        try (OnnxClassifier classifier = OnnxClassifier.open(file)) {
            assertEquals("data", classifier.inputName());
            assertEquals("logits", classifier.outputName());
            assertArrayEquals(new long[] {-1, 3, 5, 5}, classifier.inputDims());
            assertEquals(InputLayout.NCHW, classifier.layout());
            assertEquals(Optional.of(IMAGE), classifier.imageShape());
            assertEquals(4, classifier.numClasses());
            assertEquals(List.of("class_0", "class_1", "class_2", "class_3"), classifier.classNames());
            assertTrue(classifier.inputScale().isEmpty());

            float[] expected = foreign.expected(images, 3);
            float[] actual = classifier.predict(images, 3);
            assertTrue(TestModels.maxAbsDifference(expected, actual) < 1e-5,
                    Arrays.toString(expected) + " vs " + Arrays.toString(actual));

            List<Prediction> predictions = classifier.classify(images, 3, IMAGE, 2);
            for (int n = 0; n < 3; n++) {
                int best = argmax(expected, n * 4, 4);
                Prediction prediction = predictions.get(n);
                assertEquals(2, prediction.top().size());
                assertEquals(best, prediction.best().index());
                assertEquals("class_" + best, prediction.best().className());
                assertTrue(prediction.top().get(0).probability() >= prediction.top().get(1).probability());
                assertArrayEquals(Arrays.copyOfRange(actual, n * 4, n * 4 + 4), prediction.probabilities());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> classifier.classify(images, 3, IMAGE, 0));
            assertEquals("k must be > 0, got 0", e.getMessage());
        }
    }

    @Test
    void softmaxModesDecideWhetherLogitsAreNormalised() {
        ModelProto proto = foreign.proto(-1);
        float[] auto;
        float[] always;
        float[] never;
        try (OnnxClassifier c = OnnxClassifier.fromModel(proto, "foreign", DEFAULTS)) {
            auto = c.predict(images, 3);
        }
        try (OnnxClassifier c = OnnxClassifier.fromModel(proto, "foreign", DEFAULTS.withSoftmax(SoftmaxMode.ALWAYS))) {
            always = c.predict(images, 3);
        }
        try (OnnxClassifier c = OnnxClassifier.fromModel(proto, "foreign", DEFAULTS.withSoftmax(SoftmaxMode.NEVER))) {
            never = c.predict(images, 3);
        }
        assertArrayEquals(auto, always);
        assertTrue(!OnnxClassifier.areProbabilities(never, 0, 3, 4), "raw logits " + Arrays.toString(never));
        float[] normalised = never.clone();
        for (int row = 0; row < 3; row++) {
            Probabilities.softmaxRows(normalised, row * 4, 1, 4);
        }
        assertArrayEquals(normalised, auto);
    }

    @Test
    void probabilitiesAreNotNormalisedTwice() {
        Sequential model = ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10);
        Weights weights = randomized(model, 5).weights();
        float[] digits = randomImages(model.inputShape(), 2, 1);
        SavedModel saved = SavedModel.of(model, weights, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
        try (OnnxClassifier auto = OnnxClassifier.fromSavedModel(saved, DEFAULTS);
                OnnxClassifier never = OnnxClassifier.fromSavedModel(saved, DEFAULTS.withSoftmax(SoftmaxMode.NEVER))) {
            assertArrayEquals(never.predict(digits, 2), auto.predict(digits, 2));
            assertEquals(InputLayout.NHWC, auto.layout());
            assertEquals("7", auto.classNames().get(7));
            assertEquals(1 / 255.0, auto.inputScale().getAsDouble(), 1e-8);
        }
    }

    @Test
    void sightlineModelFilesAreExportedInMemory() throws IOException {
        SavedModel saved = randomized(ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10), 4);
        Path file = temp.resolve("small.safetensors");
        ModelFile.save(file, saved);
        float[] digits = randomImages(saved.model().inputShape(), 2, 6);
        try (OnnxClassifier c = OnnxClassifier.open(file)) {
            assertEquals(saved.classNames(), c.classNames());
            assertEquals(InputLayout.NHWC, c.layout());
            float[] expected = ReferenceForwardPass.predict(saved.model(), saved.weights(), digits, 2);
            assertTrue(TestModels.maxAbsDifference(expected, c.predict(digits, 2)) <= 1e-5);
        }
        byte[] bytes = Files.readAllBytes(file);
        Path truncated = Files.write(temp.resolve("truncated.safetensors"), Arrays.copyOf(bytes, bytes.length - 9));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxClassifier.open(truncated));
        assertTrue(e.getMessage().startsWith("Cannot read Sightline model file " + truncated), e.getMessage());
    }

    @Test
    void classNamesComeFromMetadataElseFromTheCallerElseAreNumbered() {
        List<String> given = List.of("cat", "dog", "fox", "owl");
        try (OnnxClassifier c = OnnxClassifier.fromModel(foreign.proto(-1), "foreign", DEFAULTS.withClassNames(given))) {
            assertEquals(given, c.classNames());
        }
        ModelProto named = foreign.proto(-1, OnnxExporter.CLASS_NAMES_KEY, "[\"a\",\"b\",\"c\",\"d\"]");
        try (OnnxClassifier c = OnnxClassifier.fromModel(named, "foreign", DEFAULTS.withClassNames(given))) {
            assertEquals(List.of("a", "b", "c", "d"), c.classNames());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxClassifier.fromModel(foreign.proto(-1), "foreign.onnx",
                        DEFAULTS.withClassNames(List.of("cat", "dog"))));
        assertEquals("ONNX model foreign.onnx has 4 classes but 2 class names were given", e.getMessage());
        ModelProto broken = foreign.proto(-1, OnnxExporter.CLASS_NAMES_KEY, "cat,dog");
        e = assertThrows(IllegalArgumentException.class, () -> OnnxClassifier.fromModel(broken, "broken.onnx", DEFAULTS));
        assertTrue(e.getMessage().startsWith("ONNX model broken.onnx has metadata sightline.class_names that is not "
                + "a JSON list of strings"), e.getMessage());
    }

    @Test
    void layoutIsDetectedFromTheChannelAxis() {
        // Sightline's export without its metadata: [batch, 28, 28, 1] has its channels last.
        Sequential model = ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10);
        ModelProto stripped = OnnxExporter.export(model, model.initialWeights(1), List.of()).toBuilder()
                .clearMetadataProps().build();
        try (OnnxClassifier c = OnnxClassifier.fromModel(stripped, "stripped", DEFAULTS)) {
            assertEquals(InputLayout.NHWC, c.layout());
        }
        // Metadata overrides detection; an explicit option overrides both.
        ModelProto declared = foreign.proto(-1, OnnxExporter.INPUT_LAYOUT_KEY, "nchw");
        try (OnnxClassifier c = OnnxClassifier.fromModel(declared, "declared", DEFAULTS)) {
            assertEquals(InputLayout.NCHW, c.layout());
        }
        ModelProto wrong = foreign.proto(-1, OnnxExporter.INPUT_LAYOUT_KEY, "CHW");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxClassifier.fromModel(wrong, "wrong.onnx", DEFAULTS));
        assertEquals("ONNX model wrong.onnx has metadata sightline.input_layout = 'CHW', expected NHWC or NCHW",
                e.getMessage());
    }

    @Test
    void ambiguousLayoutNeedsAnExplicitOption() {
        ModelProto dynamic = foreign.proto(new long[] {-1, -1, 5, -1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxClassifier.fromModel(dynamic, "dynamic.onnx", DEFAULTS));
        assertEquals("Cannot tell whether input 'data' [batch, ?, 5, ?] of ONNX model dynamic.onnx is NCHW or NHWC "
                + "(neither or both of axes 1 and 3 have 1 or 3 channels); pass Options.withLayout(...)",
                e.getMessage());
        try (OnnxClassifier c = OnnxClassifier.fromModel(dynamic, "dynamic.onnx",
                DEFAULTS.withLayout(InputLayout.NCHW))) {
            assertEquals(Optional.empty(), c.imageShape());
            assertThrows(IllegalStateException.class, () -> c.predict(images, 3));
            assertTrue(TestModels.maxAbsDifference(foreign.expected(images, 3), c.predict(images, 3, IMAGE)) < 1e-5);
        }
    }

    @Test
    void fixedBatchModelsRunInFullZeroPaddedBatches() {
        try (OnnxClassifier fixed = OnnxClassifier.fromModel(foreign.proto(2), "fixed", DEFAULTS)) {
            float[] expected = foreign.expected(images, 3);
            assertTrue(TestModels.maxAbsDifference(expected, fixed.predict(images, 3)) < 1e-5);
        }
    }

    @Test
    void imagesThatDoNotFitTheInputAreRejectedClearly() {
        try (OnnxClassifier c = OnnxClassifier.fromModel(foreign.proto(-1), "foreign.onnx", DEFAULTS)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.predict(new float[2 * 4 * 4 * 3], 2, Shape.image(4, 4, 3)));
            assertEquals("Images of shape (None, 4, 4, 3) do not fit ONNX model foreign.onnx: its input 'data' is "
                    + "[batch, 3, 5, 5] (NCHW); got height 4 instead of 5, width 4 instead of 5", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> c.predict(new float[5 * 5], 1, Shape.image(5, 5, 1)));
            assertTrue(e.getMessage().endsWith("got channels 1 instead of 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> c.predict(new float[70], 1));
            assertEquals("1 images of (None, 5, 5, 3) need 75 floats, got 70", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> c.predict(new float[0], 0));
            assertEquals("count must be > 0, got 0", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> c.predict(new float[75], 1, Shape.of(75)));
            assertTrue(e.getMessage().contains("need a shape (height, width, channels), got (None, 75)"),
                    e.getMessage());
        }
    }

    @Test
    void externalDataIsReadFromBesideTheModelWhateverTheWorkingDirectory() throws IOException {
        Path folder = temp.resolve("elsewhere");
        Path model = foreign.saveWithExternalData(folder, "model.onnx", "model.onnx.data");
        assertTrue(Files.notExists(Path.of("model.onnx.data").toAbsolutePath()), "the test runs in another folder");
        // Loaded from bytes (as open did before), ONNX Runtime looks for the data in the working directory.
        byte[] bytes = Files.readAllBytes(model);
        assertThrows(EngineException.class, () -> OnnxClassifier.fromBytes(bytes, "bytes", DEFAULTS));
        Path relative = Path.of("").toAbsolutePath().relativize(model);
        for (Path file : List.of(model, relative)) {
            try (OnnxClassifier classifier = OnnxClassifier.open(file)) {
                assertTrue(TestModels.maxAbsDifference(foreign.expected(images, 3), classifier.predict(images, 3))
                        < 1e-5, file.toString());
            }
        }
    }

    @Test
    void imageFilesArePredictedWithTheGivenMeanAndStandardDeviation() throws IOException {
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        BufferedImage image = new BufferedImage(ForeignModel.SIZE, ForeignModel.SIZE, BufferedImage.TYPE_INT_RGB);
        float[] scaled = new float[IMAGE.size()];
        for (int y = 0; y < ForeignModel.SIZE; y++) {
            for (int x = 0; x < ForeignModel.SIZE; x++) {
                int[] rgb = {(y * 50) % 256, (x * 60) % 256, (x * y * 10) % 256};
                image.setRGB(x, y, rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
                for (int c = 0; c < 3; c++) {
                    scaled[(y * ForeignModel.SIZE + x) * 3 + c] = (rgb[c] / 255f - mean[c]) / std[c];
                }
            }
        }
        try (OnnxClassifier classifier = OnnxClassifier.fromModel(foreign.proto(-1), "foreign",
                DEFAULTS.withScaling(PixelScaling.of(1 / 255.0, mean, std)))) {
            Prediction prediction = classifier.predictor(Predictor.Options.defaults().withTopK(4)).predict(image);
            assertTrue(TestModels.maxAbsDifference(foreign.expected(scaled, 1), prediction.probabilities()) < 1e-5);
            assertEquals("class_" + argmax(foreign.expected(scaled, 1), 0, 4), prediction.best().className());
        }
    }

    @Test
    void anExportedModelRecordsItsScaleAndEvaluatesExactlyAsTheModelDoes() {
        Sequential spec = ReferenceModels.smallCnn(Shape.image(8, 8, 3), 4);
        SavedModel saved = randomized(spec, 9);
        ImageDataset data = SyntheticImages.bands(40, Shape.image(8, 8, 3), 4, 3);
        try (OnnxClassifier classifier = OnnxClassifier.fromSavedModel(saved, DEFAULTS);
                Model model = Model.fromSaved(saved, new OnnxBackend(), Device.cpu())) {
            assertTrue(classifier.inputScaling().sameScale(1 / 255.0), classifier.inputScaling().toString());
            Evaluation expected = model.evaluate(data, 16);
            Evaluation actual = classifier.evaluate(data, 7);
            assertEquals(expected.loss(), actual.loss(), 1e-6);
            assertEquals(expected.accuracy(), actual.accuracy());
            assertArrayEquals(expected.confusion(), actual.confusion());
        }
    }

    @Test
    void filesThatAreNotOnnxModelsAreRejectedByName() throws IOException {
        Path garbage = Files.write(temp.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4, 5});
        // ONNX Runtime itself fails to parse it: an engine failure, with the runtime's exception kept.
        EngineException engine = assertThrows(EngineException.class, () -> OnnxClassifier.open(garbage));
        assertTrue(engine.getMessage().startsWith("onnx failed loading model " + garbage + " (5 bytes) on cpu: "),
                engine.getMessage());
        assertEquals("onnx", engine.backend());
        assertTrue(engine.getCause() instanceof ai.onnxruntime.OrtException, String.valueOf(engine.getCause()));
        Path missing = temp.resolve("missing.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxClassifier.open(missing));
        assertTrue(e.getMessage().startsWith("Cannot read ONNX model file " + missing), e.getMessage());
    }

    @Test
    void modelsThatAreNotImageClassifiersAreRejected() {
        ModelProto flat = foreign.proto(-1).toBuilder().setGraph(foreign.proto(-1).getGraph().toBuilder()
                .clearNode().clearInitializer().clearInput().clearOutput()
                .addInput(foreign.proto(-1).getGraph().getOutput(0).toBuilder().setName("x"))
                .addOutput(foreign.proto(-1).getGraph().getOutput(0).toBuilder().setName("y"))
                .addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y")))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxClassifier.fromModel(flat, "flat.onnx", DEFAULTS));
        assertEquals("ONNX model flat.onnx has input 'x' of shape [batch, 4]; an image classifier needs 4 "
                + "dimensions, NCHW or NHWC", e.getMessage());
    }

    @Test
    void closedClassifierRefusesWorkAndClosesOnce() {
        OnnxClassifier c = OnnxClassifier.fromModel(foreign.proto(-1), "foreign.onnx", DEFAULTS);
        c.predict(images, 3);
        c.close();
        c.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.predict(images, 3));
        assertEquals("ONNX model foreign.onnx is closed", e.getMessage());
    }

    private static int argmax(float[] values, int offset, int width) {
        int best = 0;
        for (int i = 1; i < width; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
