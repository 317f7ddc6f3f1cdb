package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.model.Constraint;
import org.sightline.model.MaxNorm;

class WeightConstraintsTest {

    @BeforeAll
    static void startNd4j() {
        NativeRuntime.start();
    }

    @Test
    void maxNormScalesEachOutputUnitOfADenseKernelAsKeras() {
        // kernel [in=2, out=3]: column norms 5, 0.5 and 13
        float[] values = {3, 0.3f, 5, 4, 0.4f, 12};
        try (INDArray kernel = Nd4j.create(values, new long[] {2, 3}, 'c')) {
            WeightConstraints.apply(MaxNorm.of(2), kernel);
            float[] result = kernel.data().asFloat();
            // w * min(norm, 2) / (1e-7 + norm)
            double[] scale = {2 / (1e-7 + 5), 0.5 / (1e-7 + 0.5), 2 / (1e-7 + 13)};
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i] * scale[i % 3], result[i], 1e-6, "value " + i);
            }
        }
    }

    @Test
    void maxNormOverSeveralAxesBoundsEachFilterOfAConvKernel() {
        // kernel [kh=1, kw=2, in=1, out=2], axes (0, 1, 2): one norm per filter
        float[] values = {3, 1, 4, 1};
        try (INDArray kernel = Nd4j.create(values, new long[] {1, 2, 1, 2}, 'c')) {
            WeightConstraints.apply(new MaxNorm(1, new int[] {0, 1, 2}), kernel);
            double norm0 = 5;
            double norm1 = Math.sqrt(2);
            float[] expected = {(float) (3 / (1e-7 + norm0)), (float) (1 / (1e-7 + norm1)),
                    (float) (4 / (1e-7 + norm0)), (float) (1 / (1e-7 + norm1))};
            assertArrayEquals(expected, kernel.data().asFloat(), 1e-6f);
        }
    }

    @Test
    void noConstraintLeavesTheWeight() {
        float[] values = {30, -40};
        try (INDArray weight = Nd4j.create(values, new long[] {2, 1}, 'c')) {
            WeightConstraints.apply(Constraint.none(), weight);
            assertArrayEquals(values, weight.data().asFloat());
        }
    }
}
