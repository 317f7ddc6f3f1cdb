package org.sightline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU's peak float32 arithmetic, the yardstick for "% of peak" beside a benchmark's figures:
 * cores × clock × FLOPs per cycle and core, and how each was found.
 *
 * <p>FLOPs per cycle come from the vector extensions in {@code /proc/cpuinfo}'s flags, assuming two
 * fused-multiply-add units per core at the widest width, as on Intel server cores since Skylake-SP and
 * AMD Zen 5 (a core with one 512-bit FMA unit, or one that splits 512-bit operations in two like Zen 4,
 * reaches half; the assumption then overstates the peak):
 * <ul>
 *   <li>{@code avx512f}: 2 FMA × 16 lanes × 2 FLOPs = 64</li>
 *   <li>{@code avx2} and {@code fma}: 2 FMA × 8 lanes × 2 FLOPs = 32</li>
 *   <li>{@code avx}: one 8-lane add and one 8-lane multiply per cycle = 16</li>
 *   <li>otherwise (SSE): one 4-lane add and one 4-lane multiply per cycle = 8</li>
 * </ul>
 *
 * <p>The clock is measured, not read: on a virtual machine {@code /proc/cpuinfo}'s "cpu MHz" is the
 * time-stamp counter's rate (2.1 GHz on the project's VMs, whose cores run near 3.5 GHz). The
 * calibration times a chain of dependent integer additions and exclusive-ors, each waiting for the
 * one before, so that one link takes two cycles (one-cycle latency for both, as on every x86-64 core)
 * whatever the core's width; the fastest of many short samples is the one no other thread interrupted.
 * Cores are the processors this JVM may use.
 *
 * @param gflops     the peak, in billions of float32 FLOPs per second
 * @param derivation how it was found, for a report
 */
public record CpuPeak(double gflops, String derivation) {
    private static final int CALIBRATION_SAMPLES = 200;
    private static final int CALIBRATION_LINKS = 1_000_000;
    /** Cycles one link of the calibration chain takes: an add and an xor, one cycle of latency each. */
    private static final int CYCLES_PER_LINK = 2;

    public CpuPeak {
        if (!(gflops > 0) || Double.isInfinite(gflops)) {
            throw new IllegalArgumentException("CpuPeak.gflops must be > 0, got " + gflops);
        }
        if (derivation == null || derivation.isBlank()) {
            throw new IllegalArgumentException("CpuPeak.derivation must not be blank, got '" + derivation + "'");
        }
    }

    /** A peak the user gives (e.g. from the vendor's data sheet) instead of the derived one. */
    public static CpuPeak given(double gflops) {
        return new CpuPeak(gflops, String.format(Locale.ROOT, "%.0f GFLOP/s, as given", gflops));
    }

    /** This machine's peak: flags from {@code /proc/cpuinfo}, the available processors, the measured clock. */
    public static CpuPeak measure() {
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            cpuinfo = "";
        }
        return derive(cpuinfo, Runtime.getRuntime().availableProcessors(), measureClockGhz());
    }

    /** The peak of {@code cores} cores at {@code clockGhz} with the flags of {@code cpuinfo}'s first processor. */
    public static CpuPeak derive(String cpuinfo, int cores, double clockGhz) {
        if (cores < 1) {
            throw new IllegalArgumentException("CpuPeak cores must be >= 1, got " + cores);
        }
        if (!(clockGhz > 0)) {
            throw new IllegalArgumentException("CpuPeak clock must be > 0 GHz, got " + clockGhz);
        }
        Set<String> flags = flags(cpuinfo);
        int perCycle = flopsPerCycle(flags);
        String reported = line(cpuinfo, "cpu MHz");
        return new CpuPeak(cores * clockGhz * perCycle, String.format(Locale.ROOT,
                "%d cores × %.2f GHz × %d float32 FLOP/cycle = %.0f GFLOP/s; FLOP/cycle from %s, assuming two "
                        + "FMA units per core at that width; clock measured by a dependent add-xor chain "
                        + "(/proc/cpuinfo says %s MHz: the TSC on a VM)",
                cores, clockGhz, perCycle, cores * clockGhz * perCycle, widest(flags),
                reported.isEmpty() ? "no" : reported));
    }

    /** Float32 FLOPs per cycle and core that the flags allow (see the class comment). */
    public static int flopsPerCycle(Set<String> flags) {
        if (flags.contains("avx512f")) {
            return 64;
        }
        if (flags.contains("avx2") && flags.contains("fma")) {
            return 32;
        }
        if (flags.contains("avx")) {
            return 16;
        }
        return 8;
    }

    /** The flags of the first processor in {@code /proc/cpuinfo}'s text; empty where there are none. */
    public static Set<String> flags(String cpuinfo) {
        String value = line(cpuinfo, "flags");
        return value.isEmpty() ? Set.of() : Arrays.stream(value.split("\\s+")).collect(Collectors.toUnmodifiableSet());
    }

    /** What the FLOPs per cycle were derived from. */
    private static String widest(Set<String> flags) {
        return switch (flopsPerCycle(flags)) {
            case 64 -> "avx512f (2 × 16-lane FMA)";
            case 32 -> "avx2+fma (2 × 8-lane FMA)";
            case 16 -> "avx (8-lane add + 8-lane multiply)";
            default -> flags.isEmpty() ? "no flags found (SSE assumed: 4-lane add + 4-lane multiply)"
                    : "sse (4-lane add + 4-lane multiply)";
        };
    }

    /** The value of the first {@code key : value} line, trimmed; empty where there is none. */
    private static String line(String cpuinfo, String key) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                return line.substring(colon + 1).strip();
            }
        }
        return "";
    }

    /** This percentage of the peak that {@code flopsPerSecond} is. */
    public double percent(double flopsPerSecond) {
        return 100 * flopsPerSecond / (gflops * 1e9);
    }

    /**
     * The core clock in GHz, from the fastest of 200 timings of a chain of a million dependent links of two
     * cycles each; about 0.2 s.
     */
    public static double measureClockGhz() {
        long seed = System.nanoTime();
        long sink = 0;
        for (int i = 0; i < 30; i++) {
            sink += chain(seed + i, CALIBRATION_LINKS / 5);
        }
        long fastest = Long.MAX_VALUE;
        for (int sample = 0; sample < CALIBRATION_SAMPLES; sample++) {
            long start = System.nanoTime();
            sink += chain(seed + sample, CALIBRATION_LINKS);
            fastest = Math.min(fastest, System.nanoTime() - start);
        }
        if (sink == seed) {
            // Uses the chain's value, so that the JIT cannot drop it; this branch is all but never taken.
            fastest++;
        }
        return (double) CYCLES_PER_LINK * CALIBRATION_LINKS / fastest;
    }

    /**
     * Each link adds {@code step} and exclusive-ors the loop counter: Java may not reorder the two, and no
     * x86 instruction does both, so each link waits for the one before.
     */
    private static long chain(long step, int links) {
        long x = step;
        for (int i = 0; i < links; i++) {
            x = (x + step) ^ i;
        }
        return x;
    }
}
