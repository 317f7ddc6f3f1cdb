package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.ops.Ops;

/**
 * The operations the layer tests do not reach, differentiated by {@link Dl4jOps} and checked against
 * central finite differences of the same traced program, and the tracing rules: assignments after
 * every read, a convolution's output still computed when read after its bias fused in.
 */
class Dl4jOpsTest {

    @BeforeAll
    static void startNd4j() {
        NativeRuntime.start();
    }

    @Test
    void broadcastingArithmeticAndItsGradients() {
        checkGradient(new long[] {3, 4}, (ops, x) -> {
            // [3, 1] row sums divide every value: NumPy broadcasting over a kept axis.
            INDArray shifted = ops.add(ops.square(x), ops.constant(1f));
            INDArray p = ops.divide(shifted, ops.sum(shifted, new int[] {1}, true));
            INDArray clipped = ops.minimum(ops.maximum(p, ops.constant(0.1f)), ops.constant(0.4f));
            INDArray mixed = ops.subtract(ops.multiply(ops.log(clipped), ops.exp(ops.negative(x))),
                    ops.sqrt(shifted));
            return ops.mean(ops.multiply(mixed, ops.tanh(ops.sigmoid(x))), new int[] {0, 1}, false);
        });
    }

    @Test
    void softmaxReductionsAndShapesGradients() {
        checkGradient(new long[] {2, 3, 4}, (ops, x) -> {
            INDArray t = ops.transpose(x, 0, 2, 1);
            INDArray cut = ops.slice(t, new int[] {0, 1, 0}, new int[] {-1, 2, 3});
            INDArray padded = ops.pad(cut, new int[][] {{0, 0}, {1, 1}, {0, 0}});
            INDArray joined = ops.concat(List.of(padded, ops.relu(t)), 1);
            INDArray flat = ops.reshape(joined, 24);
            INDArray scores = ops.add(ops.softmax(flat), ops.logSoftmax(flat));
            return ops.sum(ops.add(ops.max(scores, new int[] {1}, false), ops.sum(scores, new int[] {0, 1}, false)),
                    new int[] {0}, false);
        });
    }

    @Test
    void convolutionPoolingAndBatchNormGradients() {
        FloatTensor kernel = random(new int[] {2, 2, 2, 4}, 5);
        FloatTensor gamma = random(new int[] {4}, 6);
        checkGradient(new long[] {2, 5, 5, 4}, (ops, x) -> {
            // Two groups, dilation 2: the grouped path slices, convolves and concatenates.
            INDArray y = ops.conv2d(x, ops.constant(kernel), new Ops.Convolution(1, 1, 2, 2, 2, Padding.SAME));
            Ops.Normalized<INDArray> n = ops.batchNormTraining(y, ops.constant(gamma), channels(ops, 0.1f), 1e-3f);
            INDArray pooled = ops.averagePool(n.output(), new PoolingWindow(2, 2, 2, 2, Padding.SAME));
            INDArray inference = ops.batchNormInference(pooled, ops.constant(gamma), channels(ops, 0.2f),
                    channels(ops, 0.3f), channels(ops, 1.5f), 1e-3f);
            INDArray maxed = ops.maxPool(inference, new PoolingWindow(3, 3, 1, 1, Padding.VALID));
            return ops.sum(ops.multiply(maxed, maxed), new int[] {0, 1, 2, 3}, false);
        });
    }

    @Test
    void aConvolutionReadAfterItsBiasFusedInIsStillComputed() {
        FloatTensor kernel = random(new int[] {3, 3, 2, 3}, 7);
        FloatTensor bias = FloatTensor.of(new int[] {3}, new float[] {1, -2, 3});
        try (Dl4jOps ops = new Dl4jOps(Map.of(), noRandom(), true)) {
            INDArray x = ops.input(2, 4, 4, 2);
            x.assign(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 4, 4, 2));
            INDArray plain = ops.conv2d(x, ops.constant(kernel), Ops.Convolution.of(Padding.SAME));
            INDArray biased = ops.biasAdd(plain, ops.constant(bias));
            INDArray difference = ops.subtract(biased, plain);
            ops.run();
            float[] values = NdArrays.toFloats(difference);
            for (int i = 0; i < values.length; i++) {
                assertEquals(bias.get(i % 3), values[i], 1e-5, "value " + i);
            }
        }
    }

    /**
     * A residual block's shape of computation: the convolution's output is read by the activation and
     * again by the sum, so only arrays with no later reader may be overwritten.
     */
    private static final class ResidualComputation {
        final INDArray input;
        final INDArray convolved;
        final INDArray activated;
        final INDArray output;

        ResidualComputation(Dl4jOps ops) {
            input = ops.input(2, 4, 4, 3);
            convolved = ops.biasAdd(ops.conv2d(input, ops.constant(random(new int[] {3, 3, 3, 3}, 5)),
                    Ops.Convolution.of(Padding.SAME)), ops.constant(random(new int[] {3}, 6)));
            activated = ops.relu(convolved);
            INDArray normalized = ops.batchNormInference(activated, ops.constant(random(new int[] {3}, 7)),
                    ops.constant(random(new int[] {3}, 8)), ops.constant(random(new int[] {3}, 9)),
                    ops.constant(FloatTensor.filled(new int[] {3}, 2f)), 1e-3f);
            output = ops.softmax(ops.add(normalized, convolved));
            ops.keep(output);
        }
    }

    @Test
    void anOverwritingProgramWritesInPlaceOnlyWhereNothingReadsLaterAndComputesTheSameValues() {
        INDArray images = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 4, 4, 3);
        try (Dl4jOps plain = new Dl4jOps(Map.of(), noRandom(), false)) {
            ResidualComputation expected = new ResidualComputation(plain);
            Map<Integer, Integer> plan = plain.overwritePlan();
            expected.input.assign(images);
            plain.run();
            try (Dl4jOps overwriting = new Dl4jOps(Map.of(), noRandom(), false, plan)) {
                ResidualComputation actual = new ResidualComputation(overwriting);
                actual.input.assign(images);
                overwriting.run();
                assertArrayEquals(NdArrays.toFloats(expected.output), NdArrays.toFloats(actual.output), 1e-6f);
                assertTrue(actual.activated != actual.convolved, "the sum reads the convolution after the relu");
                assertTrue(actual.output == actual.activated, "batch-norm, sum and softmax overwrite the relu's array");
                assertThrows(IllegalStateException.class,
                        () -> overwriting.gradients(overwriting.sum(actual.output, new int[] {0, 1, 2, 3}, false),
                                List.of(actual.input)));
            }
        }
    }

    @Test
    void assignmentsRunAfterEveryReadAndAtMostOncePerVariable() {
        try (INDArray w = Nd4j.createFromArray(1f, 2f); Dl4jOps ops = new Dl4jOps(Map.of("w", w), noRandom(), true)) {
            INDArray before = ops.read("w");
            ops.assign("w", ops.multiply(before, ops.hyperparameter("scale")));
            INDArray readAfterAssign = ops.add(ops.read("w"), ops.constant(0f));
            ops.setHyperparameters(Map.of("scale", 10f));
            ops.run();
            assertArrayEquals(new float[] {1, 2}, NdArrays.toFloats(readAfterAssign), "reads see the old value");
            assertArrayEquals(new float[] {10, 20}, NdArrays.toFloats(w));
            assertThrows(IllegalStateException.class, () -> ops.assign("w", before));
            assertThrows(IllegalArgumentException.class, () -> ops.setHyperparameters(Map.of()));
        }
    }

    @Test
    void discardedAssignmentsLeaveVariables() {
        try (INDArray w = Nd4j.createFromArray(1f, 2f); Dl4jOps ops = new Dl4jOps(Map.of("w", w), noRandom(), false)) {
            ops.assign("w", ops.add(ops.read("w"), ops.constant(1f)));
            ops.run();
            assertArrayEquals(new float[] {1, 2}, NdArrays.toFloats(w));
        }
    }

    @Test
    void randomUniformIsFreshEachRunAndRepeatsWithTheSeed() throws Exception {
        float[][] first = draws(3);
        float[][] second = draws(3);
        assertArrayEquals(first[0], second[0]);
        assertArrayEquals(first[1], second[1]);
        assertTrue(first[0][0] != first[1][0], "a second run draws new values");
        for (float value : first[0]) {
            assertTrue(value >= 0 && value < 1, "uniform in [0, 1): " + value);
        }
    }

    private static float[][] draws(long seed) throws Exception {
        try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(seed);
                Dl4jOps ops = new Dl4jOps(Map.of(), stream -> random, true)) {
            INDArray u = ops.randomUniform(ops.input(50), 1);
            ops.run();
            float[] a = NdArrays.toFloats(u);
            ops.run();
            return new float[][] {a, NdArrays.toFloats(u)};
        }
    }

    /**
     * Checks {@code gradients(f(x), [x])} against central differences of {@code f}, run through the
     * same program with the input moved one value at a time.
     */
    private static void checkGradient(long[] shape, BiFunction<Dl4jOps, INDArray, INDArray> f) {
        try (Dl4jOps ops = new Dl4jOps(new HashMap<>(), noRandom(), true)) {
            INDArray x = ops.input(shape);
            float[] values = random(NdArrays.intShape(x), 11).toArray();
            x.data().setData(values);
            INDArray loss = f.apply(ops, x);
            INDArray gradient = ops.gradients(loss, List.of(x)).get(0);
            ops.run();
            float[] analytic = NdArrays.toFloats(gradient);
            double step = 1e-2;
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < values.length; i++) {
                float original = values[i];
                values[i] = (float) (original + step);
                x.data().setData(values);
                ops.run();
                double up = loss.getDouble(0);
                values[i] = (float) (original - step);
                x.data().setData(values);
                ops.run();
                double down = loss.getDouble(0);
                values[i] = original;
                double numeric = (up - down) / (2 * step);
                diff += (numeric - analytic[i]) * (numeric - analytic[i]);
                norm += numeric * numeric;
            }
            double error = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
            assertTrue(norm > 0, "the check needs a gradient that is not zero");
            assertTrue(error < 2e-2, "relative L2 error " + error);
        }
    }

    private static INDArray channels(Dl4jOps ops, float value) {
        return ops.constant(FloatTensor.filled(new int[] {4}, value));
    }

    private static java.util.function.IntFunction<Random> noRandom() {
        return stream -> {
            throw new AssertionError("no randomness expected");
        };
    }

    private static FloatTensor random(int[] shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return FloatTensor.of(shape, values);
    }
}
