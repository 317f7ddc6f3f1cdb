package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NativeRuntimeTest {
    private static final String AVX512_FLAGS = "fpu sse2 avx avx2 avx512f avx512bw";
    private static final String AVX2_FLAGS = "fpu sse2 avx avx2 fma";

    @Test
    void picksTheAvx512BuildOnlyWhereTheCpuAndTheClassPathHaveIt() {
        assertEquals(Optional.of("-onednn-avx512"), NativeRuntime.chooseBuild(null, AVX512_FLAGS, true));
        assertEquals(Optional.empty(), NativeRuntime.chooseBuild(null, AVX2_FLAGS, true));
        assertEquals(Optional.empty(), NativeRuntime.chooseBuild(null, AVX512_FLAGS, false));
        assertEquals(Optional.empty(), NativeRuntime.chooseBuild(null, "", true));
    }

    @Test
    void leavesAUserChoiceAlone() {
        assertEquals(Optional.empty(), NativeRuntime.chooseBuild("-onednn", AVX512_FLAGS, true));
    }

    @Test
    void doesNotMistakeOtherAvx512FlagsForTheFoundation() {
        assertEquals(Optional.empty(), NativeRuntime.chooseBuild(null, "avx2 avx512_vnni avx512_bf16", true));
    }
}
