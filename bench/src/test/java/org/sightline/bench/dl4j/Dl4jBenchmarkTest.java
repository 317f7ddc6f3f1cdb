package org.sightline.bench.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;

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

    @Test
    void neutralResultHasNoBaselineAndGivesMilliseconds() {
        Dl4jBenchmark.Result result = new Dl4jBenchmark.Result(0.4, 500, 30, 10, 0.35, 0.8);
        BenchmarkResult neutral = result.toBenchmarkResult();
        assertEquals("dl4j", neutral.backend());
        assertEquals(List.of(Figure.of("training step, batch 64", "ms", 400).withFlops(64 * 216_276_480.0),
                Figure.of("inference, batch 256", "img/s", 500).withFlops(72_092_160)), neutral.figures(),
                "seconds become milliseconds; the work is the reference CNN's");
        assertTrue(neutral.figures().stream().noneMatch(Figure::hasBaseline));
        assertEquals(result.toString(), neutral.report());
    }
}
