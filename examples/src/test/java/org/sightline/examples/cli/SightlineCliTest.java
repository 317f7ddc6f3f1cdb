package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.io.ModelFile;
import org.sightline.model.ReferenceModels;
import org.sightline.onnx.OnnxClassifier;
import picocli.CommandLine;

class SightlineCliTest {

    /** Runs the CLI in-process, returning exit code, standard output and standard error. */
    static Result run(String... args) {
        return run(SightlineCli.commandLine(), args);
    }

    /** Runs {@code cli} in-process, returning exit code, standard output and standard error. */
    static Result run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    record Result(int code, String out, String err) {
    }

    @Test
    void backendsListsEachCapability() {
        Result result = run("backends");
        assertEquals(0, result.code(), result.err());
        List<String> lines = result.out().lines().toList();
        assertTrue(lines.get(0).matches("backend +rank +train +infer +gpu +mixed_bfloat16 *"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.matches("tensorflow +100 +yes +yes +(yes|no) +yes *")), result.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("dl4j +50 +yes +yes +(yes|no) +no *")), result.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("onnx +80 +no +yes +(yes|no) +no *")), result.out());
    }

    @Test
    void summaryPrintsTheReferenceCounts() {
        Result result = run("summary");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("Total params: 2,264,458"));
        assertTrue(result.out().contains("Trainable params: 2,263,114"));
        assertTrue(result.out().contains("Non-trainable params: 1,344"));
    }

    @Test
    void summaryReadsAKerasConfigAndNamesABadOne(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("model.json");
        Files.writeString(config, "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"tiny\", \"layers\": ["
                + "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten\", \"batch_input_shape\": "
                + "[null, 4, 4, 1]}},"
                + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"lstm\"}}]}}");
        Result result = run("summary", "--config", config.toString());
        assertEquals(1, result.code());
        assertTrue(result.err().contains("LSTM"), result.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"backends", "summary", "train", "evaluate", "predict", "convert",
                "export-onnx", "cross-backend", "bench"}) {
            Result result = run(command, "--help");
            assertEquals(0, result.code(), command);
            assertTrue(result.out().startsWith("Usage: sightline " + command), result.out());
        }
    }

    @Test
    void unknownBackendListsTheAvailableOnes() {
        Result result = run("evaluate", "--backend", "torch", "--model", "missing.safetensors", "--dataset",
                "fashion-mnist", "--data", "missing-folder");
        assertEquals(1, result.code());
        assertTrue(result.err().contains("Unknown backend 'torch'; available: "), result.err());
    }

    @Test
    void unknownDatasetIsNamed() {
        Result result = run("evaluate", "--model", "m.safetensors", "--dataset", "mnist");
        assertEquals(1, result.code());
        assertTrue(result.err().contains("Unknown dataset 'mnist'"), result.err());
    }

    @Test
    void predictPrintsTopClassesAndExplainsBadImages(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, BackendConformanceTest.randomized(ReferenceModels.cifar10Cnn(), 3));
        Path good = image(dir.resolve("good.png"), 32, 32);
        Path large = image(dir.resolve("large.png"), 64, 48);
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");

        Result ok = run("predict", "--backend", "onnx", "--model", model.toString(), good.toString());
        assertEquals(0, ok.code(), ok.err());
        List<String> lines = ok.out().lines().toList();
        assertEquals(good.toString(), lines.get(0));
        assertEquals(4, lines.size(), ok.out());
        assertTrue(lines.get(1).matches("  class\\d +0\\.\\d{4}"), lines.get(1));

        Result missing = run("predict", "--backend", "onnx", "--model", model.toString(), "absent.png");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("absent.png: no such image file"), missing.err());

        Result notImage = run("predict", "--backend", "onnx", "--model", model.toString(), text.toString());
        assertEquals(1, notImage.code());
        assertTrue(notImage.err().contains(text.toString()), notImage.err());

        Result wrongSize = run("predict", "--backend", "onnx", "--model", model.toString(), large.toString());
        assertEquals(1, wrongSize.code());
        assertTrue(wrongSize.err().contains("is 48x64 but the model takes 32x32 images; pass --resize"),
                wrongSize.err());
        Result resized = run("predict", "--backend", "onnx", "--resize", "--model", model.toString(),
                large.toString());
        assertEquals(0, resized.code(), resized.err());
    }

    @Test
    void exportOnnxWritesAModelOnnxRuntimeRuns(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, BackendConformanceTest.randomized(ReferenceModels.cifar10Cnn(), 4));
        Path onnx = dir.resolve("out/model.onnx");
        Result result = run("export-onnx", "--model", model.toString(), "--out", onnx.toString());
        assertEquals(0, result.code(), result.err());
        assertTrue(Files.size(onnx) > 9_000_000, "the weights are in the file");
        try (OnnxClassifier classifier = OnnxClassifier.open(onnx)) {
            assertEquals(List.of("class0", "class1", "class2", "class3", "class4", "class5", "class6", "class7",
                    "class8", "class9"), classifier.classNames());
        }
    }

    /**
     * DL4J as the first native library of a fresh process, as {@code ./sightline predict --backend dl4j}
     * runs it: with TensorFlow's JavaCPP on the class path, ND4J once failed to start unless TensorFlow
     * had loaded before it, which tests running in one JVM after TensorFlow tests cannot see.
     */
    @Test
    void dl4jRunsAsTheFirstBackendOfAFreshProcess(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, BackendConformanceTest.randomized(ReferenceModels.cifar10Cnn(), 6));
        Path good = image(dir.resolve("good.png"), 32, 32);
        Path log = dir.resolve("out.txt");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), SightlineCli.class.getName(),
                "predict", "--backend", "dl4j", "--top", "1", "--model", model.toString(), good.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "predict did not finish in 2 min");
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.lines().anyMatch(l -> l.matches("  class\\d +0\\.\\d{4}")), output);
    }

    private static Path image(Path file, int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 7 + y * 13) * 0x010203 & 0xFFFFFF);
            }
        }
        ImageIO.write(image, "png", file.toFile());
        return file;
    }
}
