package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.data.PixelScaling;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.io.KerasArchive;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Shape;

/**
 * The Keras-file commands on a Keras 3 archive the test writes itself (so that they run where the real
 * Keras fixtures of {@link KerasFileCommandsTest} are absent): the same results on every backend, convert
 * recording the stated preprocessing, and fine-tuning from the archive.
 */
class KerasArchiveCommandsTest {

    @TempDir
    static Path dir;
    static Path archive;
    static Path keras;
    static SavedModel saved;

    @BeforeAll
    static void writeTheArchive() throws Exception {
        archive = CrossBackendCommandTest.cifar10Archive();
        saved = BackendConformanceTest.randomized(ReferenceModels.smallCnn(Shape.image(32, 32, 3), 10), 11);
        keras = dir.resolve("small.keras");
        KerasArchive.write(keras, saved.model(), saved.weights());
    }

    @Test
    void anArchiveScoresAlikeOnEveryBackendAndAsItsConversion() throws Exception {
        String[] stated = {"--mean", "0.5,0.4,0.3", "--std", "0.25,0.25,0.5"};
        String tensorflow = scores(evaluate("tensorflow", keras, stated));
        assertEquals(tensorflow, scores(evaluate("dl4j", keras, stated)));

        Path converted = dir.resolve("small.safetensors");
        Result convert = SightlineCliTest.run("convert", keras.toString(), converted.toString(), "--mean", "0.5,0.4,0.3",
                "--std", "0.25,0.25,0.5");
        assertEquals(0, convert.code(), convert.err());
        SavedModel read = ModelFile.load(converted);
        assertEquals(PixelScaling.of(PixelScaling.SIGHTLINE.scale(), new float[] {0.5f, 0.4f, 0.3f},
                new float[] {0.25f, 0.25f, 0.5f}), read.preprocessing());
        assertEquals(saved.weights(), read.weights());
        // The file now records the preprocessing: evaluating it needs no options and gives the same figure.
        assertEquals(tensorflow, scores(evaluate("dl4j", converted)));
        assertNotEquals(tensorflow, scores(evaluate("tensorflow", keras)), "the stated mean and std were applied");
    }

    @Test
    void anArchiveIsFineTunedAndSaved() throws Exception {
        Path out = dir.resolve("tuned.safetensors");
        Result result = SightlineCliTest.run("train", "--backend", "tensorflow", "--data", archive.toString(),
                "--resume-from", keras.toString(), "--limit", "128", "--test-limit", "64", "--epochs", "1",
                "--batch-size", "32", "--no-report", "--out", out.toString());
        assertEquals(0, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("Trained to epoch 1 in "), result.out());
        SavedModel tuned = ModelFile.load(out);
        assertEquals(saved.model(), tuned.model());
        assertEquals(List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                tuned.classNames());
        String kernel = saved.model().weights().get(0).key();
        assertTrue(saved.weights().get(kernel).maxAbsDifference(tuned.weights().get(kernel)) > 0,
                "fine-tuning changed the first kernel");
        assertArrayEquals(saved.weights().get(kernel).shape(), tuned.weights().get(kernel).shape());
    }

    private static Result evaluate(String backend, Path model, String... options) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--data", archive.toString(), "--limit", "200",
                "--no-report", "--backend", backend, "--model", model.toString()));
        args.addAll(List.of(options));
        Result result = SightlineCliTest.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.out() + result.err());
        return result;
    }

    /** The accuracy and loss lines of an evaluation, to four decimals. */
    private static String scores(Result result) {
        Matcher accuracy = Pattern.compile("^accuracy: \\d\\.\\d{4}$", Pattern.MULTILINE).matcher(result.out());
        Matcher loss = Pattern.compile("^loss: \\d+\\.\\d{4}$", Pattern.MULTILINE).matcher(result.out());
        assertTrue(accuracy.find() && loss.find(), result.out());
        return accuracy.group() + ", " + loss.group();
    }
}
