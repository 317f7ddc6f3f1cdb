package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
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
 * fixtures are described in {@link KerasFixtures}.
 */
public abstract class KerasFileConformanceTest {
    /** Float32 sums in a different order differ by far less; a wrong weight or layout by far more. */
    protected static final double TOLERANCE = 1e-4;

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
        List<JsonNode> manifest = KerasFixtures.manifest();
        assertTrue(manifest.size() >= 8, "at least eight Keras-written fixtures, got " + manifest.size());
        return manifest.stream().map(fixture -> DynamicTest.dynamicTest(fixture.get("file").asText(),
                () -> check(fixture)));
    }

    private void check(JsonNode fixture) throws IOException {
        String name = fixture.get("file").asText();
        PixelScaling scaling = KerasFixtures.scaling(fixture);
        SavedModel saved = KerasFixtures.read(fixture).toSavedModel(List.of(), scaling);
        JsonNode shape = fixture.get("input_shape");
        assertEquals(Shape.image(shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt()),
                saved.model().inputShape(), name);
        assertEquals(fixture.get("classes").asInt(), saved.model().numClasses(), name);
        assertEquals(fixture.get("output").asText().equals("logits"), saved.model().outputsLogits(), name);

        ImageDataset images = KerasFixtures.images(fixture);
        float[] actual = probabilities(saved, KerasFixtures.input(images, scaling), images.size());
        float[][] expected = KerasFixtures.expected(fixture);
        assertEquals(images.size(), expected.length, "rows of " + fixture.get("expected").asText());
        int classes = saved.model().numClasses();
        double worst = 0;
        int differentTop = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int c = 0; c < classes; c++) {
                worst = Math.max(worst, Math.abs(actual[i * classes + c] - expected[i][c]));
            }
            if (argmax(actual, i * classes, classes) != argmax(expected[i], 0, classes) && clearTop(expected[i])) {
                differentTop++;
            }
        }
        assertTrue(worst <= TOLERANCE, name + " on " + backendName() + ": max |p - reference| " + worst);
        assertEquals(0, differentTop, name + " on " + backendName() + ": images with another top class");
    }

    private String backendName() {
        try {
            return backend().name();
        } catch (UnsupportedOperationException e) {
            return "the reference forward pass";
        }
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
}
