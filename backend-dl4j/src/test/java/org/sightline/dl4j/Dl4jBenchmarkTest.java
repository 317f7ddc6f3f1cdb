package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.data.Batch;
import org.sightline.model.ReferenceModels;

/** The benchmark's pieces; the benchmark itself runs outside the test suite. */
class Dl4jBenchmarkTest {

    @Test
    void randomBatchesAreScaledImagesWithOneHotLabels() {
        Batch batch = Dl4jBenchmark.randomBatch(ReferenceModels.cifar10Cnn(), 5, new SplittableRandom(1));
        assertEquals(5 * 32 * 32 * 3, batch.images().length);
        for (float v : batch.images()) {
            assertTrue(v >= 0 && v <= 1, "pixel " + v);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(1f, batch.oneHot()[i * 10 + batch.labels()[i]]);
        }
    }

    @Test
    void refusesAnEmptyRun() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dl4jBenchmark.run(0, 1));
        assertTrue(e.getMessage().contains("at least one step"), e.getMessage());
    }

    @Test
    void reportsItsFigures() {
        String line = new Dl4jBenchmark.Result(0.25, 1300, 30, 10, 0.2, 0.5).toString();
        assertTrue(line.contains("median training step 0.250 s") && line.contains("1300 images/s"), line);
    }
}
