package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.KerasFixtures;
import org.sightline.data.PixelScaling;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.io.KerasModelFiles;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.Weights;
import org.sightline.onnx.OnnxClassifier;

/**
 * "Train in Keras, run in Java" from the command line, on a real Keras 2.10 CIFAR-10 model file (a Sequential
 * CNN of 22,282 parameters trained on pixels / 255, softmax output) and the shared CIFAR-10 copy.
 */
class KerasFileCommandsTest {
    private static final List<String> CIFAR10 = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    private static final Pattern ACCURACY = Pattern.compile("^accuracy: (\\d\\.\\d{4})$", Pattern.MULTILINE);
    /** Test images scored per evaluation: enough for an accuracy far from chance, few enough for a quick test. */
    private static final String SCORED = "300";

    @TempDir
    static Path dir;

    static Path keras;
    static Path archive;

    @BeforeAll
    static void findTheFiles() throws IOException {
        archive = CrossBackendCommandTest.cifar10Archive();
        // A real Keras 2.10 file, kept outside the project like the datasets (skipped where absent).
        JsonNode fixture = KerasFixtures.manifest().stream()
                .filter(f -> f.get("file").asText().equals("keras2.10-cifar10-sequential.h5")).findFirst().orElseThrow();
        keras = KerasFixtures.modelFile(fixture, fixture.get("file").asText());
    }

    @Test
    void theKerasFileScoresTheSameOnTensorFlowDl4jAndAsItsOnnxExport() throws Exception {
        Result tensorflow = evaluate("--backend", "tensorflow", "--model", keras.toString());
        assertEquals(0, tensorflow.code(), tensorflow.out() + tensorflow.err());
        assertTrue(tensorflow.out().startsWith(keras + ": Keras HDF5 model (Keras 2.10.0), which records no "
                + "preprocessing or class names; using scale 0.003921569 (Sightline's default, pixels / 255; "),
                tensorflow.out());
        assertTrue(tensorflow.out().contains("class names " + String.join(", ", CIFAR10) + " (from the dataset "
                + "cifar10 (" + archive + "))"), tensorflow.out());
        double accuracy = accuracy(tensorflow);
        // The weights and the preprocessing are the ones it was trained with: far above chance (0.1).
        assertTrue(accuracy > 0.6, "accuracy " + accuracy);

        Result dl4j = evaluate("--backend", "dl4j", "--model", keras.toString());
        assertEquals(0, dl4j.code(), dl4j.out() + dl4j.err());
        assertEquals(accuracy, accuracy(dl4j), dl4j.out());

        Path onnx = dir.resolve("exported/keras.onnx");
        Result export = SightlineCliTest.run("export-onnx", "--model", keras.toString(), "--out", onnx.toString());
        assertEquals(0, export.code(), export.out() + export.err());
        assertTrue(export.out().contains("class names 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 (numbered; --classes FILE names "
                + "them)"), export.out());
        Result fromOnnx = evaluate("--model", onnx.toString());
        assertEquals(0, fromOnnx.code(), fromOnnx.out() + fromOnnx.err());
        assertEquals(accuracy, accuracy(fromOnnx), fromOnnx.out());
    }

    @Test
    void crossBackendComparesTheKerasFileOnEveryBackend() throws Exception {
        Result result = SightlineCliTest.run("cross-backend", "--model", keras.toString(), "--train-backend",
                "tensorflow", "--backends", "tensorflow,dl4j,onnx", "--data", archive.toString(), "--test-limit",
                SCORED);
        assertEquals(0, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("(from the dataset cifar10 (" + archive + "))"), result.out());
        assertTrue(result.out().contains("Every backend agrees with tensorflow (reference) on at least 99.90%"),
                result.out());
        for (String backend : List.of("dl4j", "onnx")) {
            assertTrue(result.out().lines().anyMatch(line -> line.startsWith(backend + " ")), result.out());
        }

        Path classes = Files.writeString(dir.resolve("cross-backend-classes.txt"), "cat\ndog\n");
        Result withoutModel = SightlineCliTest.run("cross-backend", "--classes", classes.toString());
        assertEquals(1, withoutModel.code());
        assertEquals("sightline cross-backend: --classes is for a Keras file given with --model; without --model "
                + "cross-backend trains its own model\n", withoutModel.err());
    }

    @Test
    void theSparkCommandsAskForAConvertedFileBeforeSparkStarts() {
        Result result = SightlineCliTest.run("spark", "predict", "--model", keras.toString(), "--images",
                dir.toString(), "--out", dir.resolve("predictions").toString());
        assertEquals(1, result.code());
        assertEquals("sightline spark predict: --model " + keras + " is a Keras file; the spark commands take "
                + "Sightline model files and ONNX files: convert it first with sightline convert " + keras
                + " MODEL.safetensors\n", result.err());
        assertFalse(Files.exists(dir.resolve("predictions")));
    }

    @Test
    void convertRecordsThePreprocessingAndClassNamesAndEvaluatesAsTheKerasFile() throws Exception {
        Path converted = dir.resolve("converted/plain.safetensors");
        Result convert = SightlineCliTest.run("convert", keras.toString(), converted.toString());
        assertEquals(0, convert.code(), convert.out() + convert.err());
        List<String> lines = convert.out().lines().toList();
        assertEquals("Read " + keras + ": Keras HDF5 model (Keras 2.10.0); Sequential 'sequential_2', 22,282 "
                + "parameters, input (None, 32, 32, 3), output 10 probabilities", lines.get(0));
        assertTrue(lines.get(2).startsWith("Wrote " + converted + " ("), lines.get(2));
        SavedModel saved = ModelFile.load(converted);
        assertEquals(PixelScaling.SIGHTLINE, saved.preprocessing());
        assertEquals(IntStream.range(0, 10).mapToObj(Integer::toString).toList(), saved.classNames());
        assertTrue(saved.training().isEmpty());

        Result direct = evaluate("--backend", "tensorflow", "--model", keras.toString());
        Result fromFile = evaluate("--backend", "tensorflow", "--model", converted.toString());
        assertEquals(0, fromFile.code(), fromFile.out() + fromFile.err());
        assertEquals(accuracy(direct), accuracy(fromFile), fromFile.out());

        // Another preprocessing and the class names: recorded, and applied again by whatever reads the file.
        Path classes = Files.write(dir.resolve("cifar10.txt"), CIFAR10);
        String[] normalisation = {"--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25"};
        Path normalised = dir.resolve("converted/normalised.safetensors");
        Result convertNormalised = SightlineCliTest.run("convert", keras.toString(), normalised.toString(),
                normalisation[0], normalisation[1], normalisation[2], normalisation[3], "--classes",
                classes.toString());
        assertEquals(0, convertNormalised.code(), convertNormalised.out() + convertNormalised.err());
        SavedModel recorded = ModelFile.load(normalised);
        PixelScaling expected = PixelScaling.of(PixelScaling.SIGHTLINE.scale(), new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.25f, 0.25f, 0.25f});
        assertEquals(expected, recorded.preprocessing());
        assertEquals(CIFAR10, recorded.classNames());

        Result givenDirectly = evaluate("--backend", "tensorflow", "--model", keras.toString(), normalisation[0],
                normalisation[1], normalisation[2], normalisation[3]);
        Result reapplied = evaluate("--backend", "tensorflow", "--model", normalised.toString());
        assertEquals(0, reapplied.code(), reapplied.out() + reapplied.err());
        assertEquals(accuracy(givenDirectly), accuracy(reapplied), reapplied.out());
        assertNotEquals(accuracy(direct), accuracy(reapplied), "the model ran on other inputs than pixels / 255");

        Path onnx = dir.resolve("converted/normalised.onnx");
        Result export = SightlineCliTest.run("export-onnx", "--model", normalised.toString(), "--out",
                onnx.toString());
        assertEquals(0, export.code(), export.out() + export.err());
        try (OnnxClassifier classifier = OnnxClassifier.open(onnx)) {
            assertEquals(expected, classifier.recordedScaling().orElseThrow());
            assertEquals(CIFAR10, classifier.classNames());
        }
        Result fromOnnx = evaluate("--model", onnx.toString());
        assertEquals(accuracy(reapplied), accuracy(fromOnnx), fromOnnx.out() + fromOnnx.err());

        // What the file records may be repeated, not contradicted.
        Result same = evaluate("--backend", "tensorflow", "--model", normalised.toString(), "--mean", "0.5",
                "--std", "0.25,0.25,0.25");
        assertEquals(0, same.code(), same.err());
        Result other = evaluate("--backend", "tensorflow", "--model", normalised.toString(), "--mean", "0.4");
        assertEquals(1, other.code());
        assertEquals("sightline evaluate: --mean 0.4 contradicts " + normalised + ", which records its "
                + "preprocessing (" + expected + "); leave --mean and --std out\n", other.err());
        Result onPlain = evaluate("--backend", "tensorflow", "--model", converted.toString(), "--std", "0.25");
        assertEquals(1, onPlain.code());
        assertEquals("sightline evaluate: --mean and --std are for files that do not record their preprocessing; "
                + converted + " records input scale 0.003921569 with no mean or std\n", onPlain.err());
    }

    @Test
    void convertRefusesToOverwriteItsInputAnOutputThatIsNotAModelFileAndAFileThatIsNotKeras() throws Exception {
        byte[] before = Files.readAllBytes(keras);
        Path h5 = dir.resolve("copy.h5");
        Files.copy(keras, h5);
        assertConvertFails("sightline convert: OUT " + h5 + " is the Keras file IN; write the model file to another "
                + "file", h5.toString(), h5.toString());
        Path onnx = dir.resolve("model.onnx");
        assertConvertFails("sightline convert: OUT " + onnx + " must end in .safetensors, the extension of the "
                + "Sightline model file it writes", h5.toString(), onnx.toString());
        assertFalse(Files.exists(onnx));

        Path text = Files.writeString(dir.resolve("notes.h5"), "not a model");
        assertConvertFails("sightline convert: IN " + text + " is not a Keras model file: expected a .h5 (HDF5) "
                + "file, a .keras archive or a TensorFlow.js model.json", text.toString(),
                dir.resolve("notes.safetensors").toString());
        Path config = Files.writeString(dir.resolve("config.json"), "{}");
        assertConvertFails("sightline convert: --config " + config + " is for a Keras weights-only .h5, but IN "
                + text + " is not a Keras model file", text.toString(), dir.resolve("notes.safetensors").toString(),
                "--config", config.toString());
        assertArrayEquals(before, Files.readAllBytes(keras));
        assertArrayEquals(before, Files.readAllBytes(h5));
    }

    @Test
    void classNamesThatDoNotFitAndFilesThatAreNotKerasAreNamed() throws Exception {
        Path two = Files.writeString(dir.resolve("two.txt"), "cat\ndog\n");
        Result count = evaluate("--model", keras.toString(), "--classes", two.toString());
        assertEquals(1, count.code());
        assertEquals("sightline evaluate: --classes " + two + " has 2 class names but " + keras + " has 10 outputs\n",
                count.err());

        Path images = TrainCommandTest.imageFolder(dir.resolve("two-classes"), "dark", "light");
        Result dataset = SightlineCliTest.run("evaluate", "--dataset", "folder:" + images, "--no-report", "--model",
                keras.toString());
        assertEquals(1, dataset.code());
        assertEquals("sightline evaluate: " + keras + " has 10 outputs but the dataset folder:" + images + " has 2 "
                + "classes [dark, light]; give the model's class names with --classes FILE\n", dataset.err());

        Path text = Files.writeString(dir.resolve("weights.h5"), "not a model");
        assertTrue(KerasModelFiles.detect(text).isEmpty());
        Path config = Files.writeString(dir.resolve("model.json"), "{}");
        Result notKeras = evaluate("--model", text.toString(), "--config", config.toString());
        assertEquals(1, notKeras.code());
        assertEquals("sightline evaluate: --config " + config + " is for a Keras weights-only .h5, but --model "
                + text + " is not a Keras model file\n", notKeras.err());
        Result notAModel = evaluate("--backend", "tensorflow", "--model", text.toString());
        assertEquals(1, notAModel.code());
        assertTrue(notAModel.err().startsWith("sightline evaluate: " + text + ": "), notAModel.err());

        Path image = InferenceFixtures.image(dir.resolve("photo.png"), 32, 32, 4);
        Result predict = SightlineCliTest.run("predict", "--backend", "tensorflow", "--top", "2", "--model",
                keras.toString(), image.toString());
        assertEquals(0, predict.code(), predict.err());
        List<String> lines = predict.out().lines().toList();
        assertTrue(lines.get(0).endsWith("(numbered; --classes FILE names them)"), lines.get(0));
        assertEquals(image.toString(), lines.get(1));
        assertTrue(lines.get(2).matches(" {2}\\d +0\\.\\d{4}"), lines.get(2));
    }

    @Test
    void trainResumeFromTheKerasFileFineTunesItOnEveryTrainingBackend() throws Exception {
        Weights original = KerasModelFiles.read(keras).weights();
        for (String backend : List.of("tensorflow", "dl4j")) {
            Path out = dir.resolve("fine-tuned-" + backend + "/model.safetensors");
            Result result = train(backend, keras, out);
            assertEquals(0, result.code(), result.out() + result.err());
            assertTrue(result.out().startsWith("Fine-tuning " + keras + " (Keras HDF5 model (Keras 2.10.0)), which "
                    + "records no preprocessing or class names: using scale 0.003921569"), result.out());
            SavedModel tuned = ModelFile.load(out);
            assertEquals(PixelScaling.SIGHTLINE, tuned.preprocessing());
            assertEquals(CIFAR10, tuned.classNames());
            assertEquals(22_282, tuned.model().totalParams());
            assertEquals(original.names(), tuned.weights().names());
            assertNotEquals(original, tuned.weights(), backend + " trained the imported weights");
        }
    }

    @Test
    void trainResumeFromAModelFileKeepsItsPreprocessing() throws Exception {
        Path normalised = dir.resolve("resume/normalised.safetensors");
        Result convert = SightlineCliTest.run("convert", keras.toString(), normalised.toString(), "--scale", "1/127.5",
                "--mean", "1");
        assertEquals(0, convert.code(), convert.out() + convert.err());
        Path out = dir.resolve("resume/tuned.safetensors");
        Result result = train("tensorflow", normalised, out);
        assertEquals(0, result.code(), result.out() + result.err());
        SavedModel tuned = ModelFile.load(out);
        assertEquals(PixelScaling.of(1 / 127.5, new float[] {1f}, new float[] {1f}), tuned.preprocessing());
        // The converted file's numbered classes become the dataset's.
        assertEquals(CIFAR10, tuned.classNames());

        Path checkpoint = dir.resolve("resume/tuned.checkpoint.safetensors");
        Result fromCheckpoint = train("tensorflow", checkpoint, dir.resolve("resume/again.safetensors"));
        assertEquals(1, fromCheckpoint.code());
        assertEquals("sightline train: --resume-from " + checkpoint + " is a checkpoint (training state after epoch "
                + "1); continue its run with --resume and the --out it was written for, or give a model file without "
                + "training state", fromCheckpoint.err().strip());
    }

    @Test
    void resumeFromIsRefusedWithTheOptionsThatAlsoSayWhereTrainingStarts() throws Exception {
        Path out = dir.resolve("refused/model.safetensors");
        Path config = Files.writeString(dir.resolve("refused-config.json"), "{}");
        String[][] cases = {
                {"--architecture", "small", "--resume-from " + keras + " and --architecture small both name the "
                        + "model to train; give one of them"},
                {"--config", config.toString(), "--resume-from " + keras + " and --config " + config + " both name "
                        + "the model to train; give one of them (to fine-tune a weights-only .h5, convert it with its "
                        + "config first: sightline convert WEIGHTS.h5 MODEL.safetensors --config " + config
                        + ", then --resume-from MODEL.safetensors)"},
                {"--resume", null, "--resume continues the checkpoint next to --out, --resume-from " + keras
                        + " starts a new run from a trained model; give one of them"},
                {"--out", keras.toString(), "--out " + keras + " is the --resume-from file; write the fine-tuned "
                        + "model to another file"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("train", "--data", "/nonexistent", "--resume-from",
                    keras.toString()));
            if (!c[0].equals("--out")) {
                args.addAll(List.of("--out", out.toString()));
            }
            args.add(c[0]);
            if (c[1] != null) {
                args.add(c[1]);
            }
            Result result = SightlineCliTest.run(args.toArray(String[]::new));
            assertEquals(1, result.code(), c[0]);
            assertEquals("sightline train: " + c[2], result.err().strip());
        }
        assertFalse(Files.exists(out));

        Path images = TrainCommandTest.imageFolder(dir.resolve("small-images"), "dark", "light");
        Result wrongImages = SightlineCliTest.run("train", "--dataset", "folder:" + images, "--resume-from",
                keras.toString(), "--out", out.toString());
        assertEquals(1, wrongImages.code());
        assertEquals("sightline train: --resume-from " + keras + ": model 'sequential_2' takes (None, 32, 32, 3) "
                + "inputs, but the images of the dataset folder:" + images + " are (None, 8, 8, 3)",
                wrongImages.err().strip());
    }

    /** One epoch of fine-tuning on 200 CIFAR-10 images, validated on 100. */
    private static Result train(String backend, Path from, Path out) {
        return SightlineCliTest.run("train", "--backend", backend, "--data", archive.toString(), "--resume-from",
                from.toString(), "--limit", "200", "--test-limit", "100", "--epochs", "1", "--batch-size", "50",
                "--no-report", "--out", out.toString());
    }

    private static void assertConvertFails(String message, String... args) {
        List<String> command = new ArrayList<>(List.of("convert"));
        command.addAll(List.of(args));
        Result result = SightlineCliTest.run(command.toArray(String[]::new));
        assertEquals(1, result.code(), result.out());
        assertEquals(message + "\n", result.err());
    }

    /** {@code evaluate} of the first test images of CIFAR-10, without the report. */
    private static Result evaluate(String... options) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--data", archive.toString(), "--limit", SCORED,
                "--no-report"));
        args.addAll(List.of(options));
        return SightlineCliTest.run(args.toArray(String[]::new));
    }

    private static double accuracy(Result result) {
        Matcher matcher = ACCURACY.matcher(result.out());
        assertTrue(matcher.find(), result.out() + result.err());
        return Double.parseDouble(matcher.group(1));
    }
}
