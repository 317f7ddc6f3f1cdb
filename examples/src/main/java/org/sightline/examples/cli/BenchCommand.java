package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkSettings;
import org.sightline.bench.CpuPeak;
import org.sightline.compile.Precision;
import org.sightline.examples.report.BenchmarkTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the backends' benchmarks in one process and prints their figures side by side. The benchmarks
 * are found through {@link BackendBenchmark}'s service loader; this command names no backend class.
 * The benchmarks run interleaved: round 1 of every benchmark, then round 2 of every one, and so on, so
 * that a machine that slows down for a while slows all of them alike; the table gives each figure's
 * median over the rounds.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the backends on the reference CIFAR-10 CNN with random data, on the CPU, and "
                + "print one table with speed ratios and the share of the CPU's peak FLOP/s: tensorflow vs a "
                + "plain TensorFlow graph, onnx vs a bare OrtSession, dl4j and onnx vs the tensorflow backend.",
                "The benchmarks run interleaved (round 1 of each, then round 2 of each, ...); the table shows "
                        + "medians over the rounds.",
                "--peers adds other libraries on the same network (DJL with PyTorch), from the sightline-bench-peers "
                        + "module: build with `mvn -B -Ppeers package -DskipTests`, or run the launcher as "
                        + "`SIGHTLINE_MAVEN_PROFILES=peers ./sightline bench --peers`.",
                "The defaults take a few minutes on 2 cores; lower --rounds and --steps for a quick look."})
final class BenchCommand implements Callable<Integer> {
    /** The order the benchmarks run and appear in: the table's reference first; others found later go last. */
    static final List<String> ORDER = List.of(BenchmarkTable.REFERENCE, "onnx", "dl4j");
    /** How to put the peer benchmarks on the class path, for the error when none are there. */
    static final String HOW_TO_BUILD_PEERS = "build them with `mvn -B -Ppeers package -DskipTests` "
            + "(the ./sightline launcher: SIGHTLINE_MAVEN_PROFILES=peers ./sightline bench --peers)";

    @Spec
    CommandSpec spec;

    @Option(names = "--backends", split = ",", defaultValue = "tensorflow,onnx,dl4j", paramLabel = "NAME",
            description = "Which benchmarks to run. Default: ${DEFAULT-VALUE}.")
    List<String> backends;

    @Option(names = "--peers",
            description = "Also run the peer benchmarks on the class path (other libraries on the same network: "
                    + "DJL with PyTorch), compared with the tensorflow backend and with Sightline's best.")
    boolean peers;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Rounds; each runs every benchmark once, in turn, and the table shows medians over "
                    + "them. Within a round tensorflow and onnx alternate with their baselines. "
                    + "Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--steps", defaultValue = "10",
            description = "Timed training steps and inference batches per round (tensorflow, dl4j, peers), "
                    + "batch-256 predictions per round (onnx). Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup", defaultValue = "5",
            description = "Untimed steps of each kind first, every round (tensorflow, peers). "
                    + "Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--latency-runs", defaultValue = "200",
            description = "Batch-1 predictions per round (onnx, peers). Default: ${DEFAULT-VALUE}.")
    int latencyRuns;

    @Option(names = "--memory-steps", defaultValue = "100",
            description = "Training steps between two resident-memory readings (tensorflow, last round); onnx "
                    + "makes 20 times as many batch-1 predictions. 0 skips the tensorflow reading. "
                    + "Default: ${DEFAULT-VALUE}.")
    int memorySteps;

    @Option(names = "--precision", paramLabel = "POLICY", defaultValue = "float32",
            converter = PrecisionConverter.class,
            description = "What the tensorflow backend computes in: float32, or mixed_bfloat16 (train --precision). "
                    + "Its plain graph, the other backends and the peers run float32; \"%% peak\" stays the float32 "
                    + "peak. Default: ${DEFAULT-VALUE}.")
    Precision precision;

    @Option(names = "--peak-gflops", paramLabel = "GFLOPS",
            description = "The CPU's float32 peak in GFLOP/s for the \"%% peak\" columns, instead of the one derived "
                    + "from /proc/cpuinfo's flags (avx512f: 64 FLOP/cycle/core, avx2+fma: 32, avx: 16, else 8; "
                    + "two FMA units assumed) × the cores × the clock measured by a dependent add-xor chain.")
    Double peakGflops;

    private final Supplier<List<BackendBenchmark>> discovery;

    /** For picocli: the benchmarks on the class path. */
    BenchCommand() {
        this(BackendBenchmark::all);
    }

    /** With the benchmarks {@code discovery} finds (tests give their own). */
    BenchCommand(Supplier<List<BackendBenchmark>> discovery) {
        this.discovery = discovery;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Each benchmark checks its own settings only once started; these are checked before any starts.
        requireAtLeast("--rounds", rounds, 1);
        requireAtLeast("--steps", steps, 1);
        requireAtLeast("--warmup", warmup, 0);
        requireAtLeast("--latency-runs", latencyRuns, 1);
        requireAtLeast("--memory-steps", memorySteps, 0);
        if (peakGflops != null && !(peakGflops > 0 && Double.isFinite(peakGflops))) {
            throw new IllegalArgumentException("--peak-gflops must be > 0, got " + peakGflops);
        }
        List<BackendBenchmark> available = new ArrayList<>(discovery.get());
        available.sort(Comparator.comparingInt(BenchCommand::position));
        List<String> names = available.stream().map(BackendBenchmark::name).toList();
        for (String name : backends) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("Unknown benchmark '" + name + "', expected some of "
                        + String.join(", ", names));
            }
        }
        Set<String> chosen = new LinkedHashSet<>(backends);
        if (peers) {
            List<String> found = available.stream().filter(BackendBenchmark::peer).map(BackendBenchmark::name).toList();
            if (found.isEmpty()) {
                throw new IllegalStateException("--peers: no peer benchmark on the class path; " + HOW_TO_BUILD_PEERS);
            }
            chosen.addAll(found);
        }
        List<BackendBenchmark> running = available.stream().filter(b -> chosen.contains(b.name())).toList();
        CpuPeak peak = peakGflops != null ? CpuPeak.given(peakGflops) : CpuPeak.measure();

        List<List<BenchmarkResult>> byBenchmark = new ArrayList<>();
        running.forEach(b -> byBenchmark.add(new ArrayList<>()));
        for (int round = 1; round <= rounds; round++) {
            // The memory reading is a long run of its own: once, in the last round.
            BenchmarkSettings settings = new BenchmarkSettings(warmup, 1, steps, latencyRuns,
                    round == rounds ? memorySteps : 0, precision);
            for (int i = 0; i < running.size(); i++) {
                announce(out, round, running.get(i).name());
                byBenchmark.get(i).add(running.get(i).run(settings));
            }
        }
        List<BenchmarkResult> results = byBenchmark.stream().map(BenchmarkResult::median).toList();
        Set<String> peerNames = running.stream().filter(BackendBenchmark::peer).map(BackendBenchmark::name)
                .collect(Collectors.toSet());
        out.println();
        out.print(new BenchmarkTable(results, peerNames, peak).table());
        return 0;
    }

    /** Sightline's benchmarks in {@link #ORDER}, then the others, peers last. */
    private static int position(BackendBenchmark benchmark) {
        int position = ORDER.indexOf(benchmark.name());
        return position >= 0 ? position : benchmark.peer() ? ORDER.size() + 1 : ORDER.size();
    }

    private static void requireAtLeast(String option, int value, int least) {
        if (value < least) {
            throw new IllegalArgumentException(option + " must be >= " + least + ", got " + value);
        }
    }

    private void announce(PrintWriter out, int round, String backend) {
        out.println("Round " + round + " of " + rounds + ": running the " + backend + " benchmark...");
        out.flush();
    }
}
