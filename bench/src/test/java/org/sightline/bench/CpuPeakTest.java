package org.sightline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuPeakTest {
    /** The project's VM, shortened: AVX-512 with a TSC of 2.1 GHz. */
    static final String EPYC = """
            processor	: 0
            vendor_id	: AuthenticAMD
            model name	: AMD EPYC
            cpu MHz		: 2096.018
            flags		: fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx avx2 avx512f avx512dq avx512bw avx512_bf16

            processor	: 1
            flags		: fpu sse
            """;

    @Test
    void flopsPerCycleFollowTheWidestVectorUnit() {
        assertEquals(64, CpuPeak.flopsPerCycle(CpuPeak.flags(EPYC)));
        assertEquals(32, CpuPeak.flopsPerCycle(Set.of("sse2", "avx", "avx2", "fma")));
        assertEquals(16, CpuPeak.flopsPerCycle(Set.of("sse2", "avx", "avx2")), "avx2 without fma has no FMA");
        assertEquals(16, CpuPeak.flopsPerCycle(Set.of("sse2", "avx")));
        assertEquals(8, CpuPeak.flopsPerCycle(Set.of("sse", "sse2")));
        assertEquals(8, CpuPeak.flopsPerCycle(Set.of()));
    }

    @Test
    void flagsAreTheFirstProcessorsWholeWords() {
        Set<String> flags = CpuPeak.flags(EPYC);
        assertTrue(flags.contains("avx512f") && flags.contains("fpu") && flags.contains("avx512_bf16"), flags.toString());
        assertTrue(!flags.contains("avx512"), "no partial words");
        assertEquals(Set.of(), CpuPeak.flags("processor : 0\nmodel name : toaster\n"));
        assertEquals(Set.of(), CpuPeak.flags(""));
    }

    @Test
    void peakIsCoresTimesClockTimesFlopsPerCycleAndSaysHow() {
        CpuPeak peak = CpuPeak.derive(EPYC, 2, 3.5);
        assertEquals(448, peak.gflops(), 1e-9);
        assertTrue(peak.derivation().startsWith("2 cores × 3.50 GHz × 64 float32 FLOP/cycle = 448 GFLOP/s"),
                peak.derivation());
        assertTrue(peak.derivation().contains("avx512f") && peak.derivation().contains("2096.018 MHz"),
                peak.derivation());
        assertEquals(25, peak.percent(112e9), 1e-9);
        assertEquals(8, CpuPeak.derive("", 1, 1).gflops(), 1e-9, "no cpuinfo: SSE assumed");
    }

    @Test
    void givenPeakAndBadValues() {
        assertEquals("300 GFLOP/s, as given", CpuPeak.given(300).derivation());
        assertEquals(50, CpuPeak.given(300).percent(150e9), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> CpuPeak.given(0));
        assertThrows(IllegalArgumentException.class, () -> CpuPeak.given(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> CpuPeak.derive(EPYC, 0, 3.5));
        assertThrows(IllegalArgumentException.class, () -> CpuPeak.derive(EPYC, 2, 0));
    }

    /** Any x86-64 core of the last fifteen years runs between 1 and 6 GHz; a wrong cycle count would not. */
    @Test
    void measuredClockIsPlausible() {
        double ghz = CpuPeak.measureClockGhz();
        assertTrue(ghz > 1 && ghz < 6.5, ghz + " GHz");
    }
}
