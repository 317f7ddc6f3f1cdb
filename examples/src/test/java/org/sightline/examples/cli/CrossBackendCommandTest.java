package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.examples.cli.SightlineCliTest.Result;

class CrossBackendCommandTest {
    /** One row of the table: backend, accuracy, loss, agreeing/images. */
    private static final Pattern ROW = Pattern.compile(
            "^(\\S+(?: \\((?:trained|reference)\\))?)\\s+(\\d\\.\\d{4})\\s+(\\d+\\.\\d{4})\\s+(\\d+)/(\\d+) \\(.*$", Pattern.MULTILINE);

    static Path cifar10Archive() {
        Path root = Path.of(System.getProperty("sightline.projectRoot", "..")).toAbsolutePath().normalize();
        Path archive = root.resolve("../shared/datasets/cifar-10-jpeg75-binary.tar.gz").normalize();
        Assumptions.assumeTrue(Files.isRegularFile(archive), "The shared CIFAR-10 archive is not at " + archive
                + " (see ../shared/datasets/README.md); cross-backend is not checked");
        return archive;
    }

    @Test
    void everyBackendAgreesWithTheTrainingBackendOnCifar10(@TempDir Path dir) throws Exception {
        Path archive = cifar10Archive();
        Path model = dir.resolve("cross/model.safetensors");
        // The backends by name: the api's test-jar adds a toy backend that cannot run a CNN.
        Result result = SightlineCliTest.run("cross-backend", "--data", archive.toString(), "--limit", "1000",
                "--test-limit", "1000", "--backends", "tensorflow,dl4j,onnx", "--out", model.toString());
        assertEquals(0, result.code(), result.out() + result.err());
        assertTrue(Files.size(model) > 0, "--out keeps the model file");

        assertAgreement(result, List.of("tensorflow (trained)", "tensorflow", "dl4j", "onnx"));
        assertTrue(result.out().contains("Every backend agrees with tensorflow (trained) on at least 99.90%"),
                result.out());

        // The same file compared without training on the whole test set, with ONNX Runtime (which cannot
        // train) as the reference.
        Result fromFile = SightlineCliTest.run("cross-backend", "--model", model.toString(), "--train-backend", "onnx",
                "--data", archive.toString(), "--test-limit", "0", "--backends", "tensorflow,dl4j");
        assertEquals(0, fromFile.code(), fromFile.out() + fromFile.err());
        assertFalse(fromFile.out().contains("Training"), fromFile.out());
        assertAgreement(fromFile, List.of("onnx (reference)", "tensorflow", "dl4j"), 10_000);
    }

    /** Each named backend has a row comparing 1,000 images, at least 99.9% of them agreeing. */
    private static void assertAgreement(Result result, List<String> backends) {
        assertAgreement(result, backends, 1000);
    }

    private static void assertAgreement(Result result, List<String> backends, int images) {
        Map<String, int[]> agreement = new HashMap<>();
        Matcher row = ROW.matcher(result.out());
        while (row.find()) {
            agreement.put(row.group(1), new int[] {Integer.parseInt(row.group(4)), Integer.parseInt(row.group(5))});
        }
        for (String backend : backends) {
            int[] counts = agreement.get(backend);
            assertTrue(counts != null, backend + " has no row in\n" + result.out());
            assertEquals(images, counts[1], backend);
            assertTrue(counts[0] >= 0.999 * images, backend + " agrees on " + counts[0] + " of " + images
                    + " images, below 99.9%:\n" + result.out());
        }
    }

    @Test
    void aMissingModelFileOrAnOutWithAModelIsRefused(@TempDir Path dir) {
        Path missing = dir.resolve("missing.safetensors");
        Result result = SightlineCliTest.run("cross-backend", "--model", missing.toString());
        assertEquals(1, result.code());
        assertTrue(result.err().contains("--model: no such file: " + missing), result.err());

        Result both = SightlineCliTest.run("cross-backend", "--model", missing.toString(), "--out",
                dir.resolve("out.safetensors").toString());
        assertEquals(1, both.code());
        assertTrue(both.err().contains("with --model nothing is trained"), both.err());

        Result negative = SightlineCliTest.run("cross-backend", "--test-limit", "-1");
        assertEquals(1, negative.code());
        assertTrue(negative.err().contains("--test-limit must be >= 0 (0 for all), got -1"), negative.err());
    }

    @Test
    void argumentErrorsNameTheOptionBeforeAnyDataIsRead() {
        String[][] cases = {
                {"--epochs", "0", "--epochs must be > 0, got 0"},
                {"--batch-size", "0", "--batch-size must be > 0, got 0"},
                {"--limit", "0", "--limit must be > 0, got 0"},
                {"--test-limit", "-3", "--test-limit must be >= 0 (0 for all), got -3"},
                {"--min-agreement", "1.5", "--min-agreement must be between 0 and 1, got 1.5"},
                {"--architecture", "huge", "Unknown --architecture 'huge', expected one of reference, small, resnet20, resnet20-augmented, mobilenet"},
        };
        for (String[] c : cases) {
            Result result = SightlineCliTest.run("cross-backend", "--data", "/nonexistent", c[0], c[1]);
            assertEquals(1, result.code(), c[0]);
            assertEquals("sightline cross-backend: " + c[2], result.err().strip());
        }
        String help = SightlineCliTest.run("cross-backend", "--help").out();
        assertTrue(help.contains("Compare on the first N test images; 0 for all."), help);
    }

    @Test
    void aBackendThatCannotTrainIsRefusedBeforeAnyWork() {
        Result result = SightlineCliTest.run("cross-backend", "--train-backend", "onnx", "--data", "missing.tar.gz");
        assertEquals(1, result.code());
        assertTrue(result.err().contains("onnx") && result.err().contains("train"), result.err());

        Result unknown = SightlineCliTest.run("cross-backend", "--train-backend", "torch");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("Unknown backend 'torch'; available: "), unknown.err());

        Result unknownLoader = SightlineCliTest.run("cross-backend", "--backends", "onnx,torch");
        assertEquals(1, unknownLoader.code());
        assertTrue(unknownLoader.err().contains("Unknown backend 'torch'; available: "), unknownLoader.err());
    }
}
