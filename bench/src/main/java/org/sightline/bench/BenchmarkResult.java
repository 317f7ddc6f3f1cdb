package org.sightline.bench;

import java.util.ArrayList;
import java.util.Arrays;
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
     * One result from the rounds of one benchmark, run one round at a time between the rounds of the
     * others: each figure's median over the rounds (its measured and its baseline value alike), in the
     * first round's order, and the rounds' reports one after another. Every round must have measured
     * the same figures.
     */
    public static BenchmarkResult median(List<BenchmarkResult> rounds) {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("BenchmarkResult.median needs at least one round, got none");
        }
        BenchmarkResult first = rounds.get(0);
        if (rounds.size() == 1) {
            return first;
        }
        List<Figure> figures = new ArrayList<>();
        for (Figure figure : first.figures()) {
            double[] measured = new double[rounds.size()];
            double[] baseline = new double[rounds.size()];
            for (int i = 0; i < rounds.size(); i++) {
                BenchmarkResult round = rounds.get(i);
                if (!round.backend().equals(first.backend())) {
                    throw new IllegalArgumentException("BenchmarkResult.median: round " + (i + 1) + " is of '"
                            + round.backend() + "', not '" + first.backend() + "'");
                }
                int number = i + 1;
                Figure same = round.figure(figure.name(), figure.unit()).orElseThrow(() -> new IllegalArgumentException(
                        "BenchmarkResult.median: round " + number + " of '" + first.backend() + "' lacks '"
                                + figure.name() + "' (" + figure.unit() + ")"));
                measured[i] = same.measured();
                baseline[i] = same.baselineValue();
            }
            figures.add(new Figure(figure.name(), figure.unit(), median(measured), figure.baseline(),
                    figure.hasBaseline() ? median(baseline) : Double.NaN, figure.flops()));
        }
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < rounds.size(); i++) {
            if (i > 0) {
                report.append(System.lineSeparator());
            }
            report.append("round ").append(i + 1).append(" of ").append(rounds.size()).append(':')
                    .append(System.lineSeparator()).append(rounds.get(i).report());
        }
        return new BenchmarkResult(first.backend(), figures, report.toString());
    }

    /** The middle value, or the mean of the two middle ones. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * One measured figure, and the same figure of the benchmark's baseline where it has one.
     *
     * @param name          what was measured, e.g. {@code "training step, batch 64"}
     * @param unit          {@value #MILLIS} (lower is faster) or {@value #IMAGES_PER_SECOND} (higher is faster)
     * @param measured      the backend's figure
     * @param baseline      what the backend was measured against, e.g. {@code "plain TF graph"}; empty where none
     * @param baselineValue the baseline's figure; NaN where there is no baseline
     * @param flops         floating-point operations of the work one value stands for: one timed operation
     *                      (a training step of the whole batch, one prediction) where the unit is
     *                      {@value #MILLIS}, one image where it is {@value #IMAGES_PER_SECOND}; 0 where not known.
     *                      Baseline and backend do the same work, so it serves both.
     */
    public record Figure(String name, String unit, double measured, String baseline, double baselineValue,
            double flops) {
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
            if (!(flops >= 0)) {
                throw new IllegalArgumentException("Figure.flops must be >= 0 (0: not known), got " + flops);
            }
        }

        /** A figure whose work is not known in FLOPs. */
        public Figure(String name, String unit, double measured, String baseline, double baselineValue) {
            this(name, unit, measured, baseline, baselineValue, 0);
        }

        /** This figure, its work counted as {@code newFlops} (see {@link #flops()}). */
        public Figure withFlops(double newFlops) {
            return new Figure(name, unit, measured, baseline, baselineValue, newFlops);
        }

        /**
         * The floating-point operations per second that {@code value} (this figure's measured or baseline
         * value) stands for; NaN where the work is not known.
         */
        public double flopsPerSecond(double value) {
            if (flops == 0) {
                return Double.NaN;
            }
            return unit.equals(MILLIS) ? flops / (value / 1000) : flops * value;
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
