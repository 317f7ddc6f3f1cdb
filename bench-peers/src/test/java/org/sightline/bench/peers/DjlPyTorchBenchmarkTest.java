package org.sightline.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.bench.BenchmarkSettings;

/** A real run, a few steps long: PyTorch loads from the class path's jars, offline. */
class DjlPyTorchBenchmarkTest {

    @Test
    void isFoundAsAPeerBesideSightlinesBenchmarks() {
        List<BackendBenchmark> all = BackendBenchmark.all();
        List<String> peers = all.stream().filter(BackendBenchmark::peer).map(BackendBenchmark::name).toList();
        assertEquals(List.of(DjlPyTorchBenchmark.NAME), peers);
        assertTrue(all.stream().anyMatch(b -> b.name().equals("tensorflow") && !b.peer()), all.toString());
    }

    @Test
    void runsAFewStepsOfflineAndReportsTheThreeFigures() {
        BenchmarkResult result = new DjlPyTorchBenchmark().run(new BenchmarkSettings(1, 1, 2, 3, 0));
        assertEquals("djl-pytorch", result.backend());
        assertEquals(List.of("training step, batch 64", "inference, batch 256", "latency, batch 1"),
                result.figures().stream().map(Figure::name).toList());
        for (Figure figure : result.figures()) {
            assertTrue(figure.measured() > 0 && Double.isFinite(figure.measured()), figure.toString());
            assertTrue(!figure.hasBaseline(), "compared with Sightline's backends by the table, not here");
        }
        assertEquals(64 * 216_276_480.0, result.figures().get(0).flops(), 1e-3);
        assertEquals(72_092_160, result.figures().get(2).flops(), 1e-3);
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()),
                System.getProperty("ai.djl.pytorch.num_threads"));
        assertTrue(result.report().startsWith("DJL with PyTorch 2.7.1, "), result.report());
        assertTrue(result.report().contains("after 2 timed training steps"), result.report());
    }
}
