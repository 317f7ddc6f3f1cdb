package org.sightline.compile;

import java.util.Arrays;
import java.util.Locale;

/**
 * The floating-point types a model computes in, as Keras's dtype policies: {@link #FLOAT32}, or
 * {@link #MIXED_BFLOAT16}, where convolutions and matrix products compute in bfloat16 while the weights,
 * the optimizer and the loss stay float32 (Keras's {@code mixed_bfloat16}). bfloat16 keeps float32's
 * exponent range, so no loss scaling is needed; it keeps 8 bits of mantissa, so outputs differ from
 * float32 in the second or third digit. Worth it on CPUs with bfloat16 instructions (AVX512-BF16, AMX)
 * and on GPUs; elsewhere it runs emulated and slower.
 */
public enum Precision {
    FLOAT32("float32"),
    MIXED_BFLOAT16("mixed_bfloat16");

    private final String kerasName;

    Precision(String kerasName) {
        this.kerasName = kerasName;
    }

    /** Keras's name of the policy: {@code float32}, {@code mixed_bfloat16}. */
    public String kerasName() {
        return kerasName;
    }

    /** The policy Keras names {@code name}. */
    public static Precision fromKerasName(String name) {
        return Arrays.stream(values()).filter(p -> p.kerasName.equals(name.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown precision '" + name + "', expected one of "
                        + Arrays.stream(values()).map(Precision::kerasName).toList()));
    }

    @Override
    public String toString() {
        return kerasName;
    }
}
