package org.sightline.examples.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.bench.CpuPeak;

/**
 * The backends' benchmark figures side by side, each against its baseline: a figure the benchmark
 * measured against a baseline of its own (the TensorFlow backend against the same model as a plain
 * TensorFlow graph, the ONNX backend against a bare {@code OrtSession}) is shown against it; a figure
 * without one (DL4J's, a peer's) against the same figure of the {@value #REFERENCE} backend; and a figure
 * with its own baseline that the reference also measured, once more against the reference. A peer
 * (another library on the same network, such as DJL with PyTorch) is also shown against the best of
 * Sightline's backends on that figure where that is not the reference. Every ratio is a speed ratio:
 * above 1 the backend is faster than its baseline, below 1 slower, whatever the unit. Given the CPU's
 * peak, each figure whose work is known in FLOPs also shows the share of the peak it reached.
 *
 * @param results the benchmarks' results, in the order their lines and reports appear
 * @param peers   the names of the results that are peers rather than Sightline backends
 * @param peak    the CPU's peak for the "% peak" columns; null leaves them out
 */
public record BenchmarkTable(List<BenchmarkResult> results, Set<String> peers, CpuPeak peak) {
    /** The backend the others are compared with, figure by figure. */
    public static final String REFERENCE = "tensorflow";
    private static final String VERSUS_REFERENCE = REFERENCE + " backend";

    public BenchmarkTable {
        results = List.copyOf(results);
        peers = Set.copyOf(peers);
    }

    /** Sightline's backends only, without "% peak" columns. */
    public BenchmarkTable(List<BenchmarkResult> results) {
        this(results, Set.of(), null);
    }

    /**
     * One figure of a backend and of its baseline.
     *
     * @param baseline NaN where no baseline ran
     * @param flops    the figure's work (see {@link Figure#flops()}); 0 where not known
     */
    public record Line(String backend, String versus, String figure, String unit, double measured, double baseline,
            double flops) {

        public Line(String backend, String versus, String figure, String unit, double measured, double baseline) {
            this(backend, versus, figure, unit, measured, baseline, 0);
        }

        /** How many times faster than the baseline: inverse of the times for milliseconds. */
        public double speedRatio() {
            return unit.equals(Figure.MILLIS) ? baseline / measured : measured / baseline;
        }

        /** The share of {@code peak} that {@code value} (the measured or the baseline value) reached; NaN if unknown. */
        public double percentOfPeak(CpuPeak peak, double value) {
            if (flops == 0 || Double.isNaN(value)) {
                return Double.NaN;
            }
            return peak.percent(Figure.of(figure, unit, value).withFlops(flops).flopsPerSecond(value));
        }
    }

    public List<Line> lines() {
        Optional<BenchmarkResult> reference = results.stream().filter(r -> r.backend().equals(REFERENCE)).findFirst();
        List<Line> lines = new ArrayList<>();
        for (BenchmarkResult result : results) {
            for (Figure f : result.figures()) {
                if (f.hasBaseline()) {
                    lines.add(new Line(result.backend(), f.baseline(), f.name(), f.unit(), f.measured(),
                            f.baselineValue(), f.flops()));
                } else {
                    double baseline = reference.flatMap(r -> r.figure(f.name(), f.unit())).map(Figure::measured)
                            .orElse(Double.NaN);
                    String versus = reference.isPresent() ? VERSUS_REFERENCE : "(" + REFERENCE + " not run)";
                    lines.add(new Line(result.backend(), versus, f.name(), f.unit(), f.measured(), baseline,
                            f.flops()));
                }
            }
        }
        reference.ifPresent(ref -> results.stream().filter(r -> r != ref).forEach(result -> result.figures().stream()
                .filter(Figure::hasBaseline)
                .forEach(f -> ref.figure(f.name(), f.unit()).ifPresent(same -> lines.add(new Line(result.backend(),
                        VERSUS_REFERENCE, f.name(), f.unit(), f.measured(), same.measured(), f.flops()))))));
        for (BenchmarkResult peer : results) {
            if (!peers.contains(peer.backend())) {
                continue;
            }
            for (Figure f : peer.figures()) {
                best(f).filter(best -> !best.backend().equals(REFERENCE)).ifPresent(best -> lines.add(new Line(
                        peer.backend(), "best: " + best.backend(), f.name(), f.unit(), f.measured(), best.value(),
                        f.flops())));
            }
        }
        return lines;
    }

    private record Best(String backend, double value) {
    }

    /** The fastest of Sightline's backends on {@code figure}, where any measured it. */
    private Optional<Best> best(Figure figure) {
        Comparator<Best> faster = Comparator.comparingDouble(Best::value);
        List<Best> measured = results.stream().filter(r -> !peers.contains(r.backend()))
                .flatMap(r -> r.figure(figure.name(), figure.unit()).map(f -> new Best(r.backend(), f.measured()))
                        .stream())
                .toList();
        return figure.unit().equals(Figure.MILLIS) ? measured.stream().min(faster) : measured.stream().max(faster);
    }

    /** The lines as an aligned table, then each benchmark's own report with memory and machine figures. */
    public String table() {
        List<Line> lines = lines();
        int backendWidth = Math.max(10, lines.stream().mapToInt(l -> l.backend().length()).max().orElse(0));
        int versusWidth = Math.max(20, lines.stream().mapToInt(l -> l.versus().length()).max().orElse(0));
        int figureWidth = Math.max(34, lines.stream().mapToInt(l -> l.figure().length()).max().orElse(0));
        String names = "%-" + backendWidth + "s  %-" + versusWidth + "s  %-" + figureWidth + "s";
        String format = peak == null ? names + "  %12s  %12s  %11s%n" : names + "  %12s  %6s  %12s  %6s  %11s%n";
        StringBuilder s = new StringBuilder(peak == null
                ? String.format(Locale.ROOT, format, "backend", "versus", "figure", "backend", "baseline",
                        "speed ratio")
                : String.format(Locale.ROOT, format, "backend", "versus", "figure", "backend", "% peak", "baseline",
                        "% peak", "speed ratio"));
        for (Line line : lines) {
            String ratio = Double.isNaN(line.speedRatio()) ? "-" : String.format(Locale.ROOT, "%.3f", line.speedRatio());
            s.append(peak == null
                    ? String.format(Locale.ROOT, format, line.backend(), line.versus(), line.figure(),
                            figure(line.measured(), line.unit()), figure(line.baseline(), line.unit()), ratio)
                    : String.format(Locale.ROOT, format, line.backend(), line.versus(), line.figure(),
                            figure(line.measured(), line.unit()), percent(line.percentOfPeak(peak, line.measured())),
                            figure(line.baseline(), line.unit()), percent(line.percentOfPeak(peak, line.baseline())),
                            ratio));
        }
        s.append("speed ratio: above 1 the backend is faster than its baseline.").append(System.lineSeparator());
        if (peak != null) {
            s.append("% peak: FLOP/s reached (convolution and dense multiply-adds of the network; training counted as "
                    + "3 forward passes) over the CPU's float32 peak: ").append(peak.derivation())
                    .append('.').append(System.lineSeparator());
        }
        for (BenchmarkResult result : results) {
            s.append(System.lineSeparator()).append(result.report()).append(System.lineSeparator());
        }
        return s.toString();
    }

    private static String percent(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f%%", value);
    }

    private static String figure(double value, String unit) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return unit.equals(Figure.MILLIS) ? String.format(Locale.ROOT, "%.2f ms", value)
                : String.format(Locale.ROOT, "%,.0f img/s", value);
    }
}
