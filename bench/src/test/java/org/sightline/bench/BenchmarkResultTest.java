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
