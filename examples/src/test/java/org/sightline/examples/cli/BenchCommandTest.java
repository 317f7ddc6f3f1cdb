package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.examples.cli.SightlineCliTest.Result;

class BenchCommandTest {

    /** A smoke run with the smallest counts: the figures are noise, the table's shape is not. */
    @Test
    void runsEveryBenchmarkAndPrintsOneTable() {
        Result result = SightlineCliTest.run("bench", "--rounds", "1", "--steps", "1", "--warmup", "0",
                "--latency-runs", "1", "--memory-steps", "0");
        assertEquals(0, result.code(), result.out() + result.err());
        List<String> table = result.out().lines().dropWhile(l -> !l.startsWith("backend ")).toList();
        assertTrue(table.size() > 8, result.out());
        assertTrue(table.get(1).matches("tensorflow +plain TF graph +training step, batch 64 +[\\d.]+ ms +[\\d.]+ ms"
                + " +\\d+\\.\\d{3}"), table.get(1));
        assertTrue(table.get(3).matches("tensorflow +plain TF graph +latency, batch 1 +[\\d.]+ ms +[\\d.]+ ms"
                + " +\\d+\\.\\d{3}"), table.get(3));
        assertTrue(table.get(4).matches("tensorflow +plain TF graph +ResNet-20 training step, batch 64 +[\\d.]+ ms "
                + "+[\\d.]+ ms +\\d+\\.\\d{3}"), table.get(4));
        assertTrue(table.get(6).startsWith("onnx        bare OrtSession"), table.get(6));
        assertTrue(table.get(8).startsWith("dl4j        tensorflow backend"), table.get(8));
        assertTrue(table.get(10).startsWith("onnx        tensorflow backend"), table.get(10));
    }

    @Test
    void unknownBenchmarkAndBadCountsAreNamed() {
        Result unknown = SightlineCliTest.run("bench", "--backends", "onnx,torch");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("Unknown benchmark 'torch', expected some of tensorflow, onnx, dl4j"),
                unknown.err());

        String[][] cases = {
                {"--rounds", "0", "--rounds must be >= 1, got 0"},
                {"--steps", "0", "--steps must be >= 1, got 0"},
                {"--warmup", "-1", "--warmup must be >= 0, got -1"},
                {"--latency-runs", "0", "--latency-runs must be >= 1, got 0"},
                {"--memory-steps", "-1", "--memory-steps must be >= 0, got -1"},
        };
        for (String[] c : cases) {
            // dl4j first: its benchmark checks its counts only once it has started.
            Result result = SightlineCliTest.run("bench", "--backends", "dl4j,tensorflow,onnx", c[0], c[1]);
            assertEquals(1, result.code(), c[0]);
            assertEquals("sightline bench: " + c[2], result.err().strip());
            assertEquals("", result.out(), "no benchmark starts");
        }
    }
}
