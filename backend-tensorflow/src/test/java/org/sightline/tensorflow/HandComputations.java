package org.sightline.tensorflow;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/** Small array helpers for the tests. */
final class HandComputations {
    private HandComputations() {
    }

    /** Uniform values in [-1, 1). */
    static float[] random(SplittableRandom random, int size) {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return out;
    }

    static float[] map(float[] x, DoubleUnaryOperator f) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) f.applyAsDouble(x[i]);
        }
        return out;
    }
}
