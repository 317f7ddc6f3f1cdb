package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sightline.data.Cifar10;
import org.sightline.data.FashionMnist;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
import org.sightline.io.ImportedModel;
import org.sightline.io.KerasModelFiles;
import org.sightline.io.SavedModel;
import org.sightline.model.Shape;
import org.sightline.spi.Backend;
import org.sightline.spi.Device;
import org.sightline.train.Model;

/**
 * Real model files written by Keras (and by the TensorFlow.js converter), read with their weights and run
 * on a backend: its probabilities for the first test images equal those of an independent forward pass
 * (numpy, reading the files with h5py: {@code keras/files/reference.py}) within {@link #TOLERANCE}, and the
 * most probable class is the same wherever the reference's top two differ by more than that. The
 * fixtures and their sources are listed in {@code keras/files/README.md}, the checks in
 * {@code fixtures.json}.
 */
public abstract class KerasFileConformanceTest {
    /** Float32 sums in a different order differ by far less; a wrong weight or layout by far more. */
    protected static final double TOLERANCE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FOLDER = "api/src/test/resources/keras/files";
    private static ImageDataset cifar10;
    private static ImageDataset fashionMnist;

    /** The backend under test. */
    protected abstract Backend backend();

    /** The probabilities {@code saved} gives {@code count} input images, row-major. */
    protected float[] probabilities(SavedModel saved, float[] images, int count) {
        try (Model model = Model.fromSaved(saved, backend(), Device.cpu())) {
            return model.predictProbabilities(images, count);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureGivesTheReferencesProbabilities() throws IOException {
        JsonNode manifest = JSON.readTree(resource("fixtures.json").toFile());
        assertTrue(manifest.size() >= 8, "at least eight Keras-written fixtures, got " + manifest.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode fixture : manifest) {
            tests.add(DynamicTest.dynamicTest(fixture.get("file").asText(), () -> check(fixture)));
        }
        return tests.stream();
    }

    private void check(JsonNode fixture) throws Exception {
        Path file = resource(fixture.get("file").asText());
        ImportedModel imported = fixture.hasNonNull("config")
                ? KerasModelFiles.read(file, resource(fixture.get("config").asText()))
                : KerasModelFiles.read(file);
        PixelScaling scaling = scaling(fixture);
        SavedModel saved = imported.toSavedModel(List.of(), scaling);
        JsonNode shape = fixture.get("input_shape");
        assertEquals(Shape.image(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt()),
                saved.model().inputShape());
        assertEquals(fixture.get("classes").asInt(), saved.model().numClasses());
        assertEquals(fixture.get("output").asText().equals("logits"), saved.model().outputsLogits());

        ImageDataset images = dataset(fixture.get("dataset").asText()).take(fixture.get("images").asInt());
        float[] input = new float[images.size() * images.imageShape().size()];
        byte[] pixels = new byte[images.imageShape().size()];
        for (int i = 0; i < images.size(); i++) {
            images.copyImage(i, pixels, 0);
            float[] values = scaling.apply(pixels, images.imageShape().channels());
            System.arraycopy(values, 0, input, i * pixels.length, pixels.length);
        }
        float[] actual = probabilities(saved, input, images.size());
        float[][] expected = expected(fixture.get("expected").asText());
        assertEquals(images.size(), expected.length, "rows of " + fixture.get("expected").asText());
        int classes = saved.model().numClasses();
        double worst = 0;
        int differentTop = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int c = 0; c < classes; c++) {
                worst = Math.max(worst, Math.abs(actual[i * classes + c] - expected[i][c]));
            }
            if (argmax(actual, i * classes, classes) != argmax(expected[i], 0, classes)
                    && clearTop(expected[i])) {
                differentTop++;
            }
        }
        assertTrue(worst <= TOLERANCE, fixture.get("file").asText() + ": max |p - reference| " + worst);
        assertEquals(0, differentTop, fixture.get("file").asText() + ": images with another top class");
    }

    private static PixelScaling scaling(JsonNode fixture) {
        double scale = fixture.get("scale").asDouble();
        if (!fixture.hasNonNull("mean")) {
            return (float) scale == (float) PixelScaling.SIGHTLINE.scale() ? PixelScaling.SIGHTLINE
                    : PixelScaling.of(scale);
        }
        return PixelScaling.of(scale, floats(fixture.get("mean")), floats(fixture.get("std")));
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    private static boolean clearTop(float[] row) {
        float first = Float.NEGATIVE_INFINITY;
        float second = Float.NEGATIVE_INFINITY;
        for (float p : row) {
            if (p > first) {
                second = first;
                first = p;
            } else if (p > second) {
                second = p;
            }
        }
        return first - second > TOLERANCE;
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

    private static float[][] expected(String name) throws IOException {
        List<String> lines = Files.readAllLines(resource(name), StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank()).toList();
        float[][] rows = new float[lines.size()][];
        for (int i = 0; i < rows.length; i++) {
            String[] cells = lines.get(i).split(",");
            rows[i] = new float[cells.length];
            for (int c = 0; c < cells.length; c++) {
                rows[i][c] = Float.parseFloat(cells[c].strip());
            }
        }
        return rows;
    }

    /** A fixture file, read from the api module's sources so that every module's tests find it as a file. */
    private static Path resource(String name) {
        Path file = Path.of(System.getProperty("sightline.projectRoot", "..")).resolve(FOLDER).resolve(name)
                .toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(file), "fixture " + file + " is missing");
        return file;
    }

    private static synchronized ImageDataset dataset(String name) throws IOException {
        if (name.equals("cifar10")) {
            if (cifar10 == null) {
                cifar10 = RealDataTrainingTest.cifar10OrSkip().test();
            }
            return cifar10;
        }
        if (name.equals("fashion-mnist")) {
            if (fashionMnist == null) {
                assumeTrue(Files.isDirectory(FashionMnist.DEBIAN_PACKAGE_FOLDER), "Fashion-MNIST files absent at "
                        + FashionMnist.DEBIAN_PACKAGE_FOLDER + " (apt-get install dataset-fashion-mnist)");
                fashionMnist = FashionMnist.load(FashionMnist.DEBIAN_PACKAGE_FOLDER).test();
            }
            return fashionMnist;
        }
        throw new IllegalArgumentException("fixtures.json names dataset '" + name + "'; expected cifar10 or "
                + "fashion-mnist (" + Cifar10.CLASS_NAMES.size() + " classes)");
    }
}
