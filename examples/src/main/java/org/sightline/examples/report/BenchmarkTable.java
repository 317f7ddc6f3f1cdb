package org.sightline.examples.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;

/**
 * The backends' benchmark figures side by side, each against its baseline: a figure the benchmark
 * measured against a baseline of its own (the TensorFlow backend against the same model as a plain
 * TensorFlow graph, the ONNX backend against a bare {@code OrtSession}) is shown against it; a figure
 * without one (DL4J's) against the same figure of the {@value #REFERENCE} backend; and a figure with
 * its own baseline that the reference also measured, once more against the reference. Every ratio is
 * a speed ratio: above 1 the backend is faster than its baseline, below 1 slower, whatever the unit.
 *
 * @param results the benchmarks' results, in the order their lines and reports appear
 */
public record BenchmarkTable(List<BenchmarkResult> results) {
    /** The backend the others are compared with, figure by figure. */
    public static final String REFERENCE = "tensorflow";
    private static final String VERSUS_REFERENCE = REFERENCE + " backend";

    public BenchmarkTable {
        results = List.copyOf(results);
    }

    /**
     * One figure of a backend and of its baseline.
     *
     * @param baseline NaN where no baseline ran
     */
    public record Line(String backend, String versus, String figure, String unit, double measured, double baseline) {

        /** How many times faster than the baseline: inverse of the times for milliseconds. */
        public double speedRatio() {
            return unit.equals(Figure.MILLIS) ? baseline / measured : measured / baseline;
        }
    }

    public List<Line> lines() {
        Optional<BenchmarkResult> reference = results.stream().filter(r -> r.backend().equals(REFERENCE)).findFirst();
        List<Line> lines = new ArrayList<>();
        for (BenchmarkResult result : results) {
            for (Figure f : result.figures()) {
                if (f.hasBaseline()) {
                    lines.add(new Line(result.backend(), f.baseline(), f.name(), f.unit(), f.measured(),
                            f.baselineValue()));
                } else {
                    double baseline = reference.flatMap(r -> r.figure(f.name(), f.unit())).map(Figure::measured)
                            .orElse(Double.NaN);
                    String versus = reference.isPresent() ? VERSUS_REFERENCE : "(" + REFERENCE + " not run)";
                    lines.add(new Line(result.backend(), versus, f.name(), f.unit(), f.measured(), baseline));
                }
            }
        }
        reference.ifPresent(ref -> results.stream().filter(r -> r != ref).forEach(result -> result.figures().stream()
                .filter(Figure::hasBaseline)
                .forEach(f -> ref.figure(f.name(), f.unit()).ifPresent(same -> lines.add(new Line(result.backend(),
                        VERSUS_REFERENCE, f.name(), f.unit(), f.measured(), same.measured()))))));
        return lines;
    }

    /** The lines as an aligned table, then each benchmark's own report with memory and machine figures. */
    public String table() {
        String format = "%-10s  %-20s  %-34s  %12s  %12s  %11s%n";
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, format, "backend", "versus", "figure",
                "backend", "baseline", "speed ratio"));
        for (Line line : lines()) {
            s.append(String.format(Locale.ROOT, format, line.backend(), line.versus(), line.figure(),
                    figure(line.measured(), line.unit()), figure(line.baseline(), line.unit()),
                    Double.isNaN(line.speedRatio()) ? "-" : String.format(Locale.ROOT, "%.3f", line.speedRatio())));
        }
        s.append("speed ratio: above 1 the backend is faster than its baseline.").append(System.lineSeparator());
        for (BenchmarkResult result : results) {
            s.append(System.lineSeparator()).append(result.report()).append(System.lineSeparator());
        }
        return s.toString();
    }

    private static String figure(double value, String unit) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return unit.equals(Figure.MILLIS) ? String.format(Locale.ROOT, "%.2f ms", value)
                : String.format(Locale.ROOT, "%,.0f img/s", value);
    }
}
