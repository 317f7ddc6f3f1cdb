package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import org.sightline.bench.BackendBenchmark;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkSettings;
import org.sightline.examples.report.BenchmarkTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the backends' benchmarks in one process and prints their figures side by side. The benchmarks
 * are found through {@link BackendBenchmark}'s service loader; this command names no backend class.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the backends on the reference CIFAR-10 CNN with random data, on the CPU, and "
                + "print one table with speed ratios: tensorflow vs a plain TensorFlow graph, onnx vs a bare "
                + "OrtSession, dl4j and onnx vs the tensorflow backend.",
                "The defaults take a few minutes on 2 cores; lower --rounds and --steps for a quick look."})
final class BenchCommand implements Callable<Integer> {
    /** The order the benchmarks run and appear in: the table's reference first; others found later go last. */
    static final List<String> ORDER = List.of(BenchmarkTable.REFERENCE, "onnx", "dl4j");

    @Spec
    CommandSpec spec;

    @Option(names = "--backends", split = ",", defaultValue = "tensorflow,onnx,dl4j", paramLabel = "NAME",
            description = "Which benchmarks to run. Default: ${DEFAULT-VALUE}.")
    List<String> backends;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Alternating rounds of backend and baseline (tensorflow, onnx). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--steps", defaultValue = "10",
            description = "Timed training steps and inference batches per round (tensorflow), batch-256 "
                    + "predictions per round (onnx); dl4j times rounds × steps training steps and steps "
                    + "inference batches. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup", defaultValue = "5",
            description = "Untimed steps of each kind first (tensorflow). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--latency-runs", defaultValue = "200",
            description = "Batch-1 predictions per round (onnx). Default: ${DEFAULT-VALUE}.")
    int latencyRuns;

    @Option(names = "--memory-steps", defaultValue = "100",
            description = "Training steps between two resident-memory readings (tensorflow); onnx makes 20 times "
                    + "as many batch-1 predictions. 0 skips the tensorflow reading. Default: ${DEFAULT-VALUE}.")
    int memorySteps;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Each benchmark checks its own settings only once started; these are checked before any starts.
        requireAtLeast("--rounds", rounds, 1);
        requireAtLeast("--steps", steps, 1);
        requireAtLeast("--warmup", warmup, 0);
        requireAtLeast("--latency-runs", latencyRuns, 1);
        requireAtLeast("--memory-steps", memorySteps, 0);
        List<BackendBenchmark> available = new ArrayList<>(BackendBenchmark.all());
        available.sort(Comparator.comparingInt(BenchCommand::position));
        List<String> names = available.stream().map(BackendBenchmark::name).toList();
        for (String name : backends) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("Unknown benchmark '" + name + "', expected some of "
                        + String.join(", ", names));
            }
        }
        BenchmarkSettings settings = new BenchmarkSettings(warmup, rounds, steps, latencyRuns, memorySteps);
        List<BenchmarkResult> results = new ArrayList<>();
        for (BackendBenchmark benchmark : available) {
            if (backends.contains(benchmark.name())) {
                announce(out, benchmark.name());
                results.add(benchmark.run(settings));
            }
        }
        out.println();
        out.print(new BenchmarkTable(results).table());
        return 0;
    }

    private static int position(BackendBenchmark benchmark) {
        int position = ORDER.indexOf(benchmark.name());
        return position < 0 ? ORDER.size() : position;
    }
    private static void requireAtLeast(String option, int value, int least) {
        if (value < least) {
            throw new IllegalArgumentException(option + " must be >= " + least + ", got " + value);
        }
    }

    private static void announce(PrintWriter out, String backend) {
        out.println("Running the " + backend + " benchmark...");
        out.flush();
    }
}
