package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.sightline.dl4j.Dl4jBenchmark;
import org.sightline.examples.report.BenchmarkTable;
import org.sightline.onnx.OnnxBenchmark;
import org.sightline.spi.Device;
import org.sightline.tensorflow.TensorFlowBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the backends' benchmarks in one process and prints their figures side by side. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the backends on the reference CIFAR-10 CNN with random data, on the CPU, and "
                + "print one table with speed ratios: tensorflow vs a plain TensorFlow graph, onnx vs a bare "
                + "OrtSession, dl4j and onnx vs the tensorflow backend.",
                "The defaults take a few minutes on 2 cores; lower --rounds and --steps for a quick look."})
final class BenchCommand implements Callable<Integer> {
    static final Set<String> BACKENDS = Set.of("tensorflow", "onnx", "dl4j");

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
        for (String name : backends) {
            if (!BACKENDS.contains(name)) {
                throw new IllegalArgumentException("Unknown benchmark '" + name + "', expected some of "
                        + "tensorflow, onnx, dl4j");
            }
        }
        Optional<TensorFlowBenchmark.Result> tensorflow = Optional.empty();
        Optional<OnnxBenchmark.Result> onnx = Optional.empty();
        Optional<Dl4jBenchmark.Result> dl4j = Optional.empty();
        if (backends.contains("tensorflow")) {
            announce(out, "tensorflow");
            tensorflow = Optional.of(TensorFlowBenchmark.run(
                    new TensorFlowBenchmark.Settings(warmup, rounds, steps, memorySteps, Device.cpu())));
        }
        if (backends.contains("onnx")) {
            announce(out, "onnx");
            int predictions = Math.max(1, 20 * memorySteps);
            onnx = Optional.of(OnnxBenchmark.run(new OnnxBenchmark.Settings(256, steps, latencyRuns, rounds,
                    predictions / 10, predictions)));
        }
        if (backends.contains("dl4j")) {
            announce(out, "dl4j");
            dl4j = Optional.of(Dl4jBenchmark.run(rounds * steps, steps));
        }
        out.println();
        out.print(new BenchmarkTable(tensorflow, onnx, dl4j).table());
        return 0;
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
