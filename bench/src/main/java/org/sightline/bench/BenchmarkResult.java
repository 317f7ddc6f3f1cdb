package org.sightline.bench;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a benchmark measured, as named figures any report can lay side by side, and the benchmark's
 * own report with whatever else it measured (memory, machine).
 *
 * @param backend the backend's name
 * @param figures the figures, in the order the benchmark reports them
 * @param report  the benchmark's report, as lines of text
 */
public record BenchmarkResult(String backend, List<Figure> figures, String report) {

    public BenchmarkResult {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(report, "report");
        figures = List.copyOf(figures);
    }

    /** The figure with this name and unit, if the benchmark measured one. */
    public Optional<Figure> figure(String name, String unit) {
        return figures.stream().filter(f -> f.name().equals(name) && f.unit().equals(unit)).findFirst();
    }

    /**
     * One measured figure, and the same figure of the benchmark's baseline where it has one.
     *
     * @param name          what was measured, e.g. {@code "training step, batch 64"}
     * @param unit          {@value #MILLIS} (lower is faster) or {@value #IMAGES_PER_SECOND} (higher is faster)
     * @param measured      the backend's figure
     * @param baseline      what the backend was measured against, e.g. {@code "plain TF graph"}; empty where none
     * @param baselineValue the baseline's figure; NaN where there is no baseline
     */
    public record Figure(String name, String unit, double measured, String baseline, double baselineValue) {
        public static final String MILLIS = "ms";
        public static final String IMAGES_PER_SECOND = "img/s";

        public Figure {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("Figure.name must not be blank, got '" + name + "'");
            }
            if (!MILLIS.equals(unit) && !IMAGES_PER_SECOND.equals(unit)) {
                throw new IllegalArgumentException("Figure.unit must be " + MILLIS + " or " + IMAGES_PER_SECOND
                        + ", got '" + unit + "'");
            }
            Objects.requireNonNull(baseline, "baseline");
            if (baseline.isEmpty() && !Double.isNaN(baselineValue)) {
                throw new IllegalArgumentException("Figure.baselineValue must be NaN where there is no baseline, "
                        + "got " + baselineValue);
            }
        }

        /** A figure with no baseline of its own. */
        public static Figure of(String name, String unit, double measured) {
            return new Figure(name, unit, measured, "", Double.NaN);
        }

        /** A figure measured against {@code baseline}. */
        public static Figure against(String name, String unit, double measured, String baseline,
                double baselineValue) {
            return new Figure(name, unit, measured, baseline, baselineValue);
        }

        public boolean hasBaseline() {
            return !baseline.isEmpty();
        }
    }
}
