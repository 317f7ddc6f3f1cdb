package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Checks {@link ReferenceOps#gradients} of a computation against central finite differences in double:
 * the objective {@code sum(f(inputs) * w)} with fixed random {@code w}, each input value moved by
 * {@code ±h}.
 */
final class FiniteDifferences {
    private static final double STEP = 1e-6;
    private static final double TOLERANCE = 1e-6;

    private FiniteDifferences() {
    }

    /** Random values in [-1, 1) of {@code shape}, as a leaf tensor. */
    static ReferenceTensor random(SplittableRandom random, int... shape) {
        double[] values = new double[ReferenceTensor.sizeOf(shape)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble() * 2 - 1;
        }
        return ReferenceTensor.leaf(shape, values);
    }

    /** Asserts that every input's gradient agrees with finite differences; {@code what} names the op. */
    static void check(String what, Function<List<ReferenceTensor>, ReferenceTensor> f, ReferenceTensor... inputs) {
        ReferenceOps ops = new ReferenceOps(java.util.Map.of(), 0);
        List<ReferenceTensor> leaves = List.of(inputs);
        ReferenceTensor output = f.apply(leaves);
        SplittableRandom random = new SplittableRandom(what.hashCode());
        ReferenceTensor weights = random(random, output.shape());
        ReferenceTensor objective = ops.sum(ops.multiply(output, weights), axes(output.rank()), false);
        List<ReferenceTensor> analytic = ops.gradients(objective, leaves);
        for (int k = 0; k < inputs.length; k++) {
            for (int i = 0; i < inputs[k].size(); i++) {
                double numeric = (objective(f, inputs, weights, k, i, STEP)
                        - objective(f, inputs, weights, k, i, -STEP)) / (2 * STEP);
                assertEquals(numeric, analytic.get(k).get(i), TOLERANCE * Math.max(1, Math.abs(numeric)),
                        what + ": gradient of input " + k + " at " + i);
            }
        }
    }

    private static double objective(Function<List<ReferenceTensor>, ReferenceTensor> f, ReferenceTensor[] inputs,
            ReferenceTensor weights, int input, int index, double step) {
        List<ReferenceTensor> moved = new ArrayList<>();
        for (int k = 0; k < inputs.length; k++) {
            double[] values = inputs[k].valuesView().clone();
            if (k == input) {
                values[index] += step;
            }
            moved.add(ReferenceTensor.leaf(inputs[k].shape(), values));
        }
        ReferenceTensor output = f.apply(moved);
        double sum = 0;
        for (int i = 0; i < output.size(); i++) {
            sum += output.get(i) * weights.get(i);
        }
        return sum;
    }

    static int[] axes(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        return axes;
    }
}
