package org.sightline.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A benchmark of one backend on the reference CIFAR-10 CNN, found through {@link ServiceLoader}
 * (listed in {@code META-INF/services/org.sightline.bench.BackendBenchmark}), so that a caller such
 * as {@code sightline bench} runs every benchmark on its class path without naming a backend class.
 * Constructing one must be cheap: natives load only in {@link #run}.
 *
 * <pre>{@code
 * for (BackendBenchmark benchmark : BackendBenchmark.all()) {
 *     System.out.println(benchmark.run(BenchmarkSettings.quick()).report());
 * }
 * }</pre>
 */
public interface BackendBenchmark {

    /** The backend's name, as {@code org.sightline.spi.Backends} knows it: {@code tensorflow}, {@code onnx}... */
    String name();

    /**
     * Whether this benchmarks another library on the same network (DJL with PyTorch, say) rather than a
     * Sightline backend: {@code sightline bench --peers} runs these beside Sightline's and compares them.
     */
    default boolean peer() {
        return false;
    }

    /** Runs the benchmark, from seconds to minutes depending on {@code settings}. */
    BenchmarkResult run(BenchmarkSettings settings);

    /** Every benchmark on the class path, in the order {@link ServiceLoader} finds them. */
    static List<BackendBenchmark> all() {
        List<BackendBenchmark> found = new ArrayList<>();
        ServiceLoader.load(BackendBenchmark.class).forEach(found::add);
        return List.copyOf(found);
    }
}
