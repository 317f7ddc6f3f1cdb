package org.sightline.bench;

import java.util.Objects;
import org.sightline.compile.Precision;

/**
 * How long a benchmark measures, in the same terms for every backend; each benchmark reads the
 * counts that apply to it.
 *
 * @param warmup      untimed steps of each kind before timing
 * @param rounds      timed rounds, alternating backend and baseline where there is one
 * @param steps       timed training steps and inference batches per round
 * @param latencyRuns batch-1 predictions per round, for a latency figure
 * @param memorySteps training steps between two resident-memory readings; 0 skips a training reading
 * @param precision   what the backend computes in where it can choose ({@link Precision#MIXED_BFLOAT16}: the
 *                    TensorFlow backend); baselines and the others run float32
 */
public record BenchmarkSettings(int warmup, int rounds, int steps, int latencyRuns, int memorySteps,
        Precision precision) {

    public BenchmarkSettings {
        Objects.requireNonNull(precision, "BenchmarkSettings.precision");
        requireAtLeast("warmup", warmup, 0);
        requireAtLeast("rounds", rounds, 1);
        requireAtLeast("steps", steps, 1);
        requireAtLeast("latencyRuns", latencyRuns, 1);
        requireAtLeast("memorySteps", memorySteps, 0);
    }

    /** Float32 settings. */
    public BenchmarkSettings(int warmup, int rounds, int steps, int latencyRuns, int memorySteps) {
        this(warmup, rounds, steps, latencyRuns, memorySteps, Precision.FLOAT32);
    }

    /** What {@code sightline bench} runs by default: a few minutes on 2 cores. */
    public static BenchmarkSettings defaults() {
        return new BenchmarkSettings(5, 3, 10, 200, 100);
    }

    private static void requireAtLeast(String field, int value, int least) {
        if (value < least) {
            throw new IllegalArgumentException("BenchmarkSettings." + field + " must be >= " + least + ", got "
                    + value);
        }
    }
}
