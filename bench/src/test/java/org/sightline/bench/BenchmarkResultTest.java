package org.sightline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sightline.bench.BenchmarkResult.Figure;

class BenchmarkResultTest {

    @Test
    void findsAFigureByNameAndUnit() {
        Figure step = Figure.of("training step, batch 64", Figure.MILLIS, 200);
        BenchmarkResult result = new BenchmarkResult("x", List.of(step), "report");
        assertEquals(Optional.of(step), result.figure("training step, batch 64", "ms"));
        assertEquals(Optional.empty(), result.figure("training step, batch 64", "img/s"));
    }

    @Test
    void figuresRejectAnUnknownUnitABlankNameAndABaselineValueWithoutABaseline() {
        IllegalArgumentException unit = assertThrows(IllegalArgumentException.class,
                () -> Figure.of("latency", "s", 1));
        assertTrue(unit.getMessage().contains("Figure.unit must be ms or img/s, got 's'"), unit.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Figure.of(" ", "ms", 1));
        assertThrows(IllegalArgumentException.class, () -> new Figure("latency", "ms", 1, "", 2));
    }

    @Test
    void medianOfRoundsTakesEachFigureAndBaselineSeparately() {
        BenchmarkResult one = new BenchmarkResult("tf", List.of(
                Figure.against("step", Figure.MILLIS, 100, "plain", 90).withFlops(1e9),
                Figure.of("inference", Figure.IMAGES_PER_SECOND, 1000)), "first");
        BenchmarkResult two = new BenchmarkResult("tf", List.of(
                Figure.of("inference", Figure.IMAGES_PER_SECOND, 3000),
                Figure.against("step", Figure.MILLIS, 300, "plain", 70).withFlops(1e9)), "second");
        BenchmarkResult three = new BenchmarkResult("tf", List.of(
                Figure.against("step", Figure.MILLIS, 200, "plain", 95).withFlops(1e9),
                Figure.of("inference", Figure.IMAGES_PER_SECOND, 1500)), "third");
        BenchmarkResult median = BenchmarkResult.median(List.of(one, two, three));
        assertEquals(List.of(Figure.against("step", Figure.MILLIS, 200, "plain", 90).withFlops(1e9),
                Figure.of("inference", Figure.IMAGES_PER_SECOND, 1500)), median.figures());
        assertTrue(median.report().startsWith("round 1 of 3:"), median.report());
        assertTrue(median.report().indexOf("second") > median.report().indexOf("first"), median.report());

        BenchmarkResult even = BenchmarkResult.median(List.of(one, two));
        assertEquals(200, even.figure("step", Figure.MILLIS).orElseThrow().measured(), 1e-9);
        assertEquals(80, even.figure("step", Figure.MILLIS).orElseThrow().baselineValue(), 1e-9);
        assertEquals(one, BenchmarkResult.median(List.of(one)));
    }

    @Test
    void medianRefusesRoundsThatDoNotMatch() {
        BenchmarkResult one = new BenchmarkResult("tf", List.of(Figure.of("step", Figure.MILLIS, 100)), "");
        BenchmarkResult other = new BenchmarkResult("onnx", List.of(Figure.of("step", Figure.MILLIS, 100)), "");
        BenchmarkResult lacking = new BenchmarkResult("tf", List.of(Figure.of("latency", Figure.MILLIS, 1)), "");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchmarkResult.median(List.of(one, other)))
                .getMessage().contains("round 2 is of 'onnx'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchmarkResult.median(List.of(one, lacking)))
                .getMessage().contains("lacks 'step' (ms)"));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkResult.median(List.of()));
    }

    @Test
    void flopsPerSecondFollowTheUnit() {
        Figure step = Figure.of("step", Figure.MILLIS, 250).withFlops(1e9);
        assertEquals(4e9, step.flopsPerSecond(step.measured()), 1e-3, "1 GFLOP in a quarter second");
        Figure images = Figure.of("inference", Figure.IMAGES_PER_SECOND, 1000).withFlops(7.2e7);
        assertEquals(7.2e10, images.flopsPerSecond(images.measured()), 1e-3);
        assertTrue(Double.isNaN(Figure.of("x", Figure.MILLIS, 1).flopsPerSecond(1)), "work not known");
        assertThrows(IllegalArgumentException.class, () -> Figure.of("x", Figure.MILLIS, 1).withFlops(-1));
    }

    @Test
    void settingsNameTheFieldAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BenchmarkSettings(0, 0, 1, 1, 0));
        assertEquals("BenchmarkSettings.rounds must be >= 1, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BenchmarkSettings(-1, 1, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new BenchmarkSettings(0, 1, 1, 1, -1));
    }

    @Test
    void everyBackendHasOneBenchmarkOnTheClassPath() {
        List<String> names = BackendBenchmark.all().stream().map(BackendBenchmark::name).sorted().toList();
        assertEquals(List.of("dl4j", "onnx", "tensorflow"), names);
    }
}
