package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.bench.BenchmarkSettings;
import org.sightline.compile.Precision;
import org.sightline.examples.cli.SightlineCliTest.Result;
import picocli.CommandLine;

class BenchCommandTest {

    /** A smoke run with the smallest counts: the figures are noise, the table's shape is not. */
    @Test
    void runsEveryBenchmarkAndPrintsOneTable() {
        Result result = SightlineCliTest.run("bench", "--rounds", "1", "--steps", "1", "--warmup", "0",
                "--latency-runs", "1", "--memory-steps", "0");
        assertEquals(0, result.code(), result.out() + result.err());
        List<String> table = result.out().lines().dropWhile(l -> !l.startsWith("backend ")).toList();
        assertTrue(table.size() > 8, result.out());
        String pct = " +(\\d+\\.\\d%|-)";
        assertTrue(table.get(0).matches("backend +versus +figure +backend +% peak +baseline +% peak +speed ratio"),
                table.get(0));
        assertTrue(table.get(1).matches("tensorflow +plain TF graph +training step, batch 64 +[\\d.]+ ms" + pct
                + " +[\\d.]+ ms" + pct + " +\\d+\\.\\d{3}"), table.get(1));
        assertTrue(table.get(3).matches("tensorflow +plain TF graph +latency, batch 1 +[\\d.]+ ms" + pct
                + " +[\\d.]+ ms" + pct + " +\\d+\\.\\d{3}"), table.get(3));
        assertTrue(table.get(4).matches("tensorflow +plain TF graph +ResNet-20 training step, batch 64 +[\\d.]+ ms"
                + pct + " +[\\d.]+ ms" + pct + " +\\d+\\.\\d{3}"), table.get(4));
        assertTrue(table.get(6).startsWith("onnx        bare OrtSession"), table.get(6));
        assertTrue(table.get(8).startsWith("dl4j        tensorflow backend"), table.get(8));
        assertTrue(table.get(10).startsWith("onnx        tensorflow backend"), table.get(10));
        assertTrue(result.out().contains("% peak: FLOP/s reached"), result.out());
        assertTrue(result.out().contains(" float32 FLOP/cycle = "), result.out());
    }

    @Test
    void unknownBenchmarkAndBadCountsAreNamed() {
        Result unknown = SightlineCliTest.run("bench", "--backends", "onnx,torch");
        assertEquals(1, unknown.code());
        // With -Ppeers the peer benchmarks follow in the list.
        assertTrue(unknown.err().contains("Unknown benchmark 'torch', expected some of tensorflow, onnx, dl4j"),
                unknown.err());

        String[][] cases = {
                {"--rounds", "0", "--rounds must be >= 1, got 0"},
                {"--steps", "0", "--steps must be >= 1, got 0"},
                {"--warmup", "-1", "--warmup must be >= 0, got -1"},
                {"--latency-runs", "0", "--latency-runs must be >= 1, got 0"},
                {"--memory-steps", "-1", "--memory-steps must be >= 0, got -1"},
                {"--peak-gflops", "0", "--peak-gflops must be > 0, got 0.0"},
        };
        for (String[] c : cases) {
            // dl4j first: its benchmark checks its counts only once it has started.
            Result result = SightlineCliTest.run("bench", "--backends", "dl4j,tensorflow,onnx", c[0], c[1]);
            assertEquals(1, result.code(), c[0]);
            assertEquals("sightline bench: " + c[2], result.err().strip());
            assertEquals("", result.out(), "no benchmark starts");
        }
    }

    /**
     * A benchmark that measures nothing: round r of it reports the r-th of its step times (and 1000 img/s),
     * and it writes down, in the log all fakes share, its name and the settings of each call.
     */
    record Fake(String name, boolean peer, double[] stepMs, List<String> log) implements BackendBenchmark {
        @Override
        public BenchmarkResult run(BenchmarkSettings settings) {
            int round = (int) log.stream().filter(l -> l.startsWith(name + " ")).count();
            log.add(name + " rounds=" + settings.rounds() + " steps=" + settings.steps() + " memory="
                    + settings.memorySteps() + (settings.precision() == Precision.FLOAT32 ? ""
                            : " " + settings.precision()));
            return new BenchmarkResult(name, List.of(
                    Figure.of("training step, batch 64", Figure.MILLIS, stepMs[round]).withFlops(64 * 216e6),
                    Figure.of("inference, batch 256", Figure.IMAGES_PER_SECOND, 1000).withFlops(72e6)),
                    name + " round " + (round + 1));
        }
    }

    /** The bench command over {@code benchmarks} instead of the class path's. */
    private static Result bench(List<BackendBenchmark> benchmarks, String... args) {
        CommandLine cli = new CommandLine(new BenchCommand(() -> benchmarks));
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> SightlineCli.report(e, cmd));
        return SightlineCliTest.run(cli, args);
    }

    @Test
    void roundsInterleaveTheBenchmarksAndTheTableShowsMedians() {
        List<String> log = new ArrayList<>();
        List<BackendBenchmark> found = List.of(
                new Fake("djl-pytorch", true, new double[] {400, 100, 500}, log),
                new Fake("dl4j", false, new double[] {300, 250, 260}, log),
                new Fake("tensorflow", false, new double[] {200, 900, 100}, log));
        Result result = bench(found, "--backends", "tensorflow,dl4j", "--peers", "--rounds", "3", "--steps", "4",
                "--memory-steps", "7", "--peak-gflops", "100");
        assertEquals(0, result.code(), result.err());
        assertEquals(List.of(
                "tensorflow rounds=1 steps=4 memory=0", "dl4j rounds=1 steps=4 memory=0",
                "djl-pytorch rounds=1 steps=4 memory=0",
                "tensorflow rounds=1 steps=4 memory=0", "dl4j rounds=1 steps=4 memory=0",
                "djl-pytorch rounds=1 steps=4 memory=0",
                "tensorflow rounds=1 steps=4 memory=7", "dl4j rounds=1 steps=4 memory=7",
                "djl-pytorch rounds=1 steps=4 memory=7"), log, "round 1 of each, then round 2 of each, ...");
        assertTrue(result.out().startsWith("Round 1 of 3: running the tensorflow benchmark...\n"
                + "Round 1 of 3: running the dl4j benchmark...\n"
                + "Round 1 of 3: running the djl-pytorch benchmark...\n"
                + "Round 2 of 3: running the tensorflow benchmark..."), result.out());
        List<String> table = result.out().lines().dropWhile(l -> !l.startsWith("backend ")).toList();
        // Medians: tensorflow 200 ms, dl4j 260 ms, djl-pytorch 400 ms. 64 × 216 MFLOP in 200 ms is 69.1 GFLOP/s,
        // 69.1% of the given 100 GFLOP/s.
        assertTrue(table.get(1).matches("tensorflow +tensorflow backend +training step, batch 64 +200\\.00 ms +69\\.1%"
                + " +200\\.00 ms +69\\.1% +1\\.000"), table.get(1));
        assertTrue(table.get(3).matches("dl4j +tensorflow backend +training step, batch 64 +260\\.00 ms +53\\.2%"
                + " +200\\.00 ms +69\\.1% +0\\.769"), table.get(3));
        assertTrue(table.get(5).matches("djl-pytorch +tensorflow backend +training step, batch 64 +400\\.00 ms"
                + " +34\\.6% +200\\.00 ms +69\\.1% +0\\.500"), table.get(5));
        assertTrue(table.get(6).matches("djl-pytorch +tensorflow backend +inference, batch 256 +1,000 img/s +72\\.0%"
                + " +1,000 img/s +72\\.0% +1\\.000"), table.get(6));
        assertTrue(result.out().contains("over the CPU's float32 peak: 100 GFLOP/s, as given."), result.out());
        assertTrue(result.out().contains("round 1 of 3:\ndjl-pytorch round 1\nround 2 of 3:\ndjl-pytorch round 2"),
                result.out());
    }

    @Test
    void peersAreRunOnlyWhenAskedAndTheirAbsenceSaysHowToBuildThem() {
        List<String> log = new ArrayList<>();
        Result without = bench(List.of(new Fake("tensorflow", false, new double[] {200}, log),
                new Fake("djl-pytorch", true, new double[] {400}, log)), "--rounds", "1", "--backends", "tensorflow",
                "--peak-gflops", "100");
        assertEquals(0, without.code(), without.err());
        assertEquals(List.of("tensorflow rounds=1 steps=10 memory=100"), log);
        List<String> mixedLog = new ArrayList<>();
        Result mixed = bench(List.of(new Fake("tensorflow", false, new double[] {200}, mixedLog)), "--rounds", "1",
                "--backends", "tensorflow", "--precision", "mixed_bfloat16", "--peak-gflops", "100");
        assertEquals(0, mixed.code(), mixed.err());
        assertEquals(List.of("tensorflow rounds=1 steps=10 memory=100 mixed_bfloat16"), mixedLog);
        assertTrue(without.out().lines().noneMatch(l -> l.startsWith("djl-pytorch")), without.out());

        Result none = bench(List.of(new Fake("tensorflow", false, new double[] {200}, log)), "--backends",
                "tensorflow", "--peers");
        assertEquals(1, none.code());
        assertEquals("bench: --peers: no peer benchmark on the class path; build them with "
                + "`mvn -B -Ppeers package -DskipTests` (the ./sightline launcher: SIGHTLINE_MAVEN_PROFILES=peers "
                + "./sightline bench --peers)", none.err().strip());
        assertEquals("", none.out(), "no benchmark starts");
        assertEquals(1, log.size());
    }
}
