package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The benchmark's pieces; the benchmark itself runs outside the test suite. */
class Dl4jBenchmarkTest {

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
