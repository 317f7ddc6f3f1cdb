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
        assertTrue(table.get(3).startsWith("onnx        bare OrtSession"), table.get(3));
        assertTrue(table.get(5).startsWith("dl4j        tensorflow backend"), table.get(5));
        assertTrue(table.get(7).startsWith("onnx        tensorflow backend"), table.get(7));
    }

    @Test
    void unknownBenchmarkAndBadCountsAreNamed() {
        Result unknown = SightlineCliTest.run("bench", "--backends", "onnx,torch");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("Unknown benchmark 'torch', expected some of tensorflow, onnx, dl4j"),
                unknown.err());

        Result zero = SightlineCliTest.run("bench", "--backends", "tensorflow", "--rounds", "0");
        assertEquals(1, zero.code());
        assertTrue(zero.err().contains("rounds >= 1"), zero.err());
    }
}
