package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;

class NormalizationTest {
    private static final Sequential ADAPTED = Sequential.of(Shape.of(2), Normalization.adapted());

    private static Weights statistics(float[] mean, float[] variance, float count) {
        return Weights.builder()
                .put("normalization/mean", FloatTensor.of(new int[] {2}, mean))
                .put("normalization/variance", FloatTensor.of(new int[] {2}, variance))
                .put("normalization/count", FloatTensor.of(new int[] {}, new float[] {count}))
                .build();
    }

    @Test
    void dividesByTheStandardDeviationGuardedByKerasEpsilon() {
        // (3 - 1) / sqrt(4) = 1; a variance of 0 divides by 1e-7: (5 - 2) / 1e-7 = 3e7 (floats 2 apart there).
        float[] out = ReferenceForwardPass.predict(ADAPTED, statistics(new float[] {1, 2}, new float[] {4, 0}, 10),
                new float[] {3, 5}, 1);
        assertArrayEquals(new float[] {1, 3e7f}, out, 1);
        assertEquals(1, out[0], 1e-6);
    }

    @Test
    void givenStatisticsAreConstantsPerChannelOrForAll() {
        Sequential perChannel = Sequential.of(Shape.image(1, 1, 2), Normalization.of(List.of(1.0, -1.0),
                List.of(4.0, 0.25)));
        assertArrayEquals(new float[] {1, 2}, ReferenceForwardPass.predict(perChannel, Weights.builder().build(),
                new float[] {3, 0}, 1), 1e-6f);
        Sequential scalar = Sequential.of(Shape.of(2), Normalization.of(List.of(1.0), List.of(4.0)));
        assertArrayEquals(new float[] {-0.5f, 1.5f}, ReferenceForwardPass.predict(scalar, Weights.builder().build(),
                new float[] {0, 4}, 1), 1e-6f);
        assertEquals(0, scalar.totalParams());
    }

    @Test
    void countsMeanVarianceAndCountAsNonTrainableParametersAsKeras() {
        Sequential model = Sequential.of(Shape.image(4, 4, 3), Normalization.adapted());
        // Keras: mean 3 + variance 3 + count 1.
        assertEquals(7, model.nonTrainableParams());
        assertEquals(0, model.trainableParams());
        assertEquals(List.of("mean", "variance", "count"), model.weights().stream().map(w -> w.spec().name()).toList());
    }

    @Test
    void itsWeightsIncludingTheScalarCountSurviveAModelFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("norm.sightline");
        Weights weights = statistics(new float[] {1, 2}, new float[] {4, 9}, 50);
        ModelFile.save(file, SavedModel.of(ADAPTED, weights, List.of("a", "b")));
        assertEquals(weights, ModelFile.load(file).weights());
        assertEquals(ADAPTED, ModelFile.load(file).model());
    }

    @Test
    void refusesWhatItCannotComputeNamingTheField() {
        IllegalArgumentException axis = assertThrows(IllegalArgumentException.class, () -> Normalization.fromKeras(
                ZeroPadding2DTest.config("{\"axis\": [1]}"), Shape.image(2, 2, 3)));
        assertEquals("m.json: layer 'x': axis [1] is not the last axis of input (None, 2, 2, 3); Sightline normalizes "
                + "the last axis only", axis.getMessage());
        IllegalArgumentException invert = assertThrows(IllegalArgumentException.class, () -> Normalization.fromKeras(
                ZeroPadding2DTest.config("{\"axis\": -1, \"invert\": true}"), Shape.of(3)));
        assertEquals("m.json: layer 'x': invert = true (denormalizing) is not supported", invert.getMessage());
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> Normalization.fromKeras(
                ZeroPadding2DTest.config("{\"axis\": -1, \"mean\": 0.5}"), Shape.of(3)));
        assertEquals("m.json: layer 'x': Normalization.mean and Normalization.variance must be given together, "
                + "got mean [0.5], variance null", half.getMessage());
    }
}
