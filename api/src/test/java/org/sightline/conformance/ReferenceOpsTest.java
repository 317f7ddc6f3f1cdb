package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.conformance.FiniteDifferences.check;
import static org.sightline.conformance.FiniteDifferences.random;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.ops.Ops.Convolution;

/** Each operation of the reference against hand-computed values, and its gradient against finite differences. */
class ReferenceOpsTest {
    private static final double CLOSE = 1e-12;

    private final ReferenceOps ops = new ReferenceOps(Map.of(), 0);
    private final SplittableRandom random = new SplittableRandom(42);

    private static ReferenceTensor t(int[] shape, double... values) {
        return ReferenceTensor.leaf(shape, values);
    }

    private static double[] values(ReferenceTensor tensor) {
        return tensor.valuesView().clone();
    }

    private static int[] shape(int... dims) {
        return dims;
    }

    @Test
    void elementWiseOpsBroadcastAsNumPy() {
        ReferenceTensor a = t(shape(2, 3), 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new double[] {11, 22, 33, 14, 25, 36}, values(ops.add(a, t(shape(3), 10, 20, 30))), CLOSE);
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, values(ops.subtract(a, ops.constant(1))), CLOSE);
        // [2, 1] against [2, 3]: what a keep-dims sum gives.
        assertArrayEquals(new double[] {1, 2, 3, 8, 10, 12}, values(ops.multiply(a, t(shape(2, 1), 1, 2))), CLOSE);
        assertArrayEquals(new double[] {0.5, 1, 1.5, 2, 2.5, 3}, values(ops.divide(a, ops.constant(2))), CLOSE);
        assertArrayEquals(new int[] {2, 3}, ops.add(ops.constant(1), a).shape());
        assertThrows(IllegalArgumentException.class, () -> ops.add(a, t(shape(2), 1, 2)));
    }

    @Test
    void elementWiseGradientsSumOverBroadcastAxes() {
        ReferenceTensor a = random(random, 2, 3);
        ReferenceTensor b = t(shape(3), 0.7, -1.3, 2.1);
        check("add", x -> ops.add(x.get(0), x.get(1)), a, b);
        check("subtract", x -> ops.subtract(x.get(0), x.get(1)), a, b);
        check("multiply", x -> ops.multiply(x.get(0), x.get(1)), a, random(random, 2, 1));
        check("divide", x -> ops.divide(x.get(0), x.get(1)), a, b);
        check("multiply by a scalar", x -> ops.multiply(x.get(0), x.get(1)), a, t(shape(), 1.5));
    }

    @Test
    void maximumAndMinimumSendTheGradientToTheChosenSideAndTiesToA() {
        ReferenceTensor a = t(shape(3), 1, 2, 3);
        ReferenceTensor b = t(shape(3), 2, 2, 2);
        assertArrayEquals(new double[] {2, 2, 3}, values(ops.maximum(a, b)), CLOSE);
        assertArrayEquals(new double[] {1, 2, 2}, values(ops.minimum(a, b)), CLOSE);
        for (boolean max : new boolean[] {true, false}) {
            ReferenceTensor y = max ? ops.maximum(a, b) : ops.minimum(a, b);
            List<ReferenceTensor> g = ops.gradients(ops.sum(y, new int[] {0}, false), List.of(a, b));
            assertArrayEquals(max ? new double[] {0, 1, 1} : new double[] {1, 1, 0}, values(g.get(0)), CLOSE);
            assertArrayEquals(max ? new double[] {1, 0, 0} : new double[] {0, 0, 1}, values(g.get(1)), CLOSE);
        }
        ReferenceTensor c = random(random, 4);
        ReferenceTensor d = random(random, 4);
        check("maximum", x -> ops.maximum(x.get(0), x.get(1)), c, d);
        check("minimum", x -> ops.minimum(x.get(0), x.get(1)), c, d);
    }

    @Test
    void unaryOps() {
        ReferenceTensor x = t(shape(3), -1, 0, 2);
        assertArrayEquals(new double[] {1, 0, -2}, values(ops.negative(x)), CLOSE);
        assertArrayEquals(new double[] {1, 0, 4}, values(ops.square(x)), CLOSE);
        assertArrayEquals(new double[] {0, 0, 2}, values(ops.relu(x)), CLOSE);
        assertArrayEquals(new double[] {1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))}, values(ops.sigmoid(x)), CLOSE);
        assertArrayEquals(new double[] {Math.tanh(-1), 0, Math.tanh(2)}, values(ops.tanh(x)), CLOSE);
        assertArrayEquals(new double[] {1 / Math.E, 1, Math.E * Math.E}, values(ops.exp(x)), CLOSE);
        ReferenceTensor positive = t(shape(2), 4, Math.E);
        assertArrayEquals(new double[] {2, Math.sqrt(Math.E)}, values(ops.sqrt(positive)), CLOSE);
        assertArrayEquals(new double[] {Math.log(4), 1}, values(ops.log(positive)), CLOSE);
        // ReLU's gradient at 0 is 0, as TensorFlow's.
        assertArrayEquals(new double[] {0, 0, 1},
                values(ops.gradients(ops.sum(ops.relu(x), new int[] {0}, false), List.of(x)).get(0)), CLOSE);

        ReferenceTensor r = random(random, 5);
        ReferenceTensor p = t(shape(3), 0.3, 1.7, 2.9);
        check("negative", y -> ops.negative(y.get(0)), r);
        check("square", y -> ops.square(y.get(0)), r);
        check("sqrt", y -> ops.sqrt(y.get(0)), p);
        check("exp", y -> ops.exp(y.get(0)), r);
        check("log", y -> ops.log(y.get(0)), p);
        check("relu", y -> ops.relu(y.get(0)), r);
        check("sigmoid", y -> ops.sigmoid(y.get(0)), r);
        check("tanh", y -> ops.tanh(y.get(0)), r);
    }

    @Test
    void erfMatchesPublishedValuesAndItsDerivative() {
        // erf to 16 digits (Abramowitz and Stegun's table 7.1 gives those up to 2); erf is odd, and 1 in
        // double precision beyond 6. float32 needs 1e-7; the series does far better.
        ReferenceTensor x = t(shape(8), 0, 0.1, 0.5, 1, 2, 3, -1, 7);
        assertArrayEquals(new double[] {0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149,
            0.9953222650189527, 0.9999779095030014, -0.8427007929497149, 1}, values(ops.erf(x)), 1e-14);
        check("erf", y -> ops.erf(y.get(0)), t(shape(6), -2.5, -1.2, -0.3, 0.2, 0.9, 1.7));
    }

    @Test
    void comparisonsAndArgmaxCarryNoGradient() {
        ReferenceTensor a = t(shape(2, 3), 1, 5, 5, 7, 2, 3);
        ReferenceTensor b = t(shape(3), 1, 6, 3);
        assertArrayEquals(new double[] {1, 0, 1, 1, 0, 1}, values(ops.greaterEqual(a, b)), CLOSE);
        assertArrayEquals(new double[] {1, 0, 0, 0, 0, 1}, values(ops.equal(a, b)), CLOSE);
        // The first of equal values wins.
        assertArrayEquals(new double[] {1, 0}, values(ops.argmax(a, 1)), CLOSE);
        assertArrayEquals(new double[] {1, 0, 0}, values(ops.argmax(a, 0)), CLOSE);
        ReferenceTensor loss = ops.sum(ops.add(ops.multiply(ops.greaterEqual(a, b), a), ops.argmax(a, 0)),
                new int[] {0, 1}, false);
        // The gradient reaches a through the multiply only, and b not at all.
        List<ReferenceTensor> g = ops.gradients(loss, List.of(a, b));
        assertArrayEquals(new double[] {1, 0, 1, 1, 0, 1}, values(g.get(0)), CLOSE);
        assertArrayEquals(new double[] {0, 0, 0}, values(g.get(1)), CLOSE);
    }

    @Test
    void softmaxAndLogSoftmaxRunOverTheLastAxisStably() {
        ReferenceTensor x = t(shape(2, 3), 0, Math.log(2), Math.log(3), 1000, 1000, 1000);
        assertArrayEquals(new double[] {1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 3.0, 1 / 3.0, 1 / 3.0},
                values(ops.softmax(x)), 1e-12);
        assertArrayEquals(new double[] {Math.log(1 / 6.0), Math.log(2 / 6.0), Math.log(3 / 6.0), -Math.log(3),
            -Math.log(3), -Math.log(3)}, values(ops.logSoftmax(x)), 1e-12);
        ReferenceTensor r = random(random, 2, 4);
        check("softmax", y -> ops.softmax(y.get(0)), r);
        check("logSoftmax", y -> ops.logSoftmax(y.get(0)), r);
    }

    @Test
    void reductionsOverAxesWithAndWithoutKeptDimensions() {
        ReferenceTensor x = t(shape(2, 3), 1, 2, 3, 4, 5, 6);
        ReferenceTensor rows = ops.sum(x, new int[] {1}, true);
        assertArrayEquals(new int[] {2, 1}, rows.shape());
        assertArrayEquals(new double[] {6, 15}, values(rows), CLOSE);
        assertArrayEquals(new double[] {2.5, 3.5, 4.5}, values(ops.mean(x, new int[] {0}, false)), CLOSE);
        assertArrayEquals(new int[] {}, ops.mean(x, new int[] {0, 1}, false).shape());
        assertArrayEquals(new double[] {3.5}, values(ops.mean(x, new int[] {0, 1}, false)), CLOSE);
        assertArrayEquals(new double[] {3, 6}, values(ops.max(x, new int[] {-1}, false)), CLOSE);
        // Ties share max's gradient, as TensorFlow's.
        ReferenceTensor tied = t(shape(3), 2, 2, 1);
        assertArrayEquals(new double[] {0.5, 0.5, 0}, values(ops.gradients(ops.max(tied, new int[] {0}, false),
                List.of(tied)).get(0)), CLOSE);

        ReferenceTensor r = random(random, 2, 3, 2);
        check("sum", y -> ops.sum(y.get(0), new int[] {0, 2}, false), r);
        check("sum keeping dimensions", y -> ops.sum(y.get(0), new int[] {1}, true), r);
        check("mean", y -> ops.mean(y.get(0), new int[] {1, 2}, true), r);
        check("max", y -> ops.max(y.get(0), new int[] {1}, false), r);
    }

    @Test
    void shapeOps() {
        ReferenceTensor x = t(shape(2, 2, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        ReferenceTensor flat = ops.reshape(x, 6);
        assertArrayEquals(new int[] {2, 6}, flat.shape());
        assertArrayEquals(values(x), values(flat), CLOSE);
        assertArrayEquals(new int[] {2, 3, 2}, ops.reshape(x, 3, -1).shape());
        ReferenceTensor transposed = ops.transpose(x, 0, 2, 1);
        assertArrayEquals(new int[] {2, 3, 2}, transposed.shape());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11}, values(transposed), CLOSE);
        ReferenceTensor joined = ops.concat(List.of(t(shape(2, 1), 1, 2), t(shape(2, 2), 3, 4, 5, 6)), 1);
        assertArrayEquals(new double[] {1, 3, 4, 2, 5, 6}, values(joined), CLOSE);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6},
                values(ops.concat(List.of(t(shape(1, 3), 1, 2, 3), t(shape(1, 3), 4, 5, 6)), 0)), CLOSE);
        ReferenceTensor part = ops.slice(x, new int[] {1, 0, 1}, new int[] {1, -1, 2});
        assertArrayEquals(new int[] {1, 2, 2}, part.shape());
        assertArrayEquals(new double[] {7, 8, 10, 11}, values(part), CLOSE);
        ReferenceTensor padded = ops.pad(t(shape(1, 2), 1, 2), new int[][] {{0, 1}, {1, 0}});
        assertArrayEquals(new int[] {2, 3}, padded.shape());
        assertArrayEquals(new double[] {0, 1, 2, 0, 0, 0}, values(padded), CLOSE);

        ReferenceTensor r = random(random, 2, 3, 2);
        check("reshape", y -> ops.reshape(y.get(0), 2, 3), r);
        check("transpose", y -> ops.transpose(y.get(0), 2, 0, 1), r);
        check("concat", y -> ops.concat(List.of(y.get(0), y.get(1)), 1), r, random(random, 2, 1, 2));
        check("slice", y -> ops.slice(y.get(0), new int[] {0, 1, 0}, new int[] {2, 2, 1}), r);
        check("pad", y -> ops.pad(y.get(0), new int[][] {{1, 0}, {0, 2}, {1, 1}}), r);
    }

    @Test
    void matmulAndBiasAdd() {
        ReferenceTensor a = t(shape(1, 2), 1, 2);
        ReferenceTensor b = t(shape(2, 3), 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new double[] {9, 12, 15}, values(ops.matmul(a, b)), CLOSE);
        assertArrayEquals(new double[] {9.5, 12, 14}, values(ops.biasAdd(ops.matmul(a, b), t(shape(3), 0.5, 0, -1))),
                CLOSE);
        check("matmul", y -> ops.matmul(y.get(0), y.get(1)), random(random, 3, 4), random(random, 4, 2));
        check("biasAdd", y -> ops.biasAdd(y.get(0), y.get(1)), random(random, 2, 2, 3), random(random, 3));
    }

    @Test
    void convolutionSamePaddingPutsTheOddPixelAtTheEnd() {
        // 4x4 input 1..16, 2x2 kernel of ones, stride 2 would need no padding; stride 1 'same' pads one
        // row and one column, both after: the last row and column see only part of the window.
        double[] image = new double[16];
        for (int i = 0; i < 16; i++) {
            image[i] = i + 1;
        }
        ReferenceTensor x = t(shape(1, 4, 4, 1), image);
        ReferenceTensor ones = t(shape(2, 2, 1, 1), 1, 1, 1, 1);
        ReferenceTensor y = ops.conv2d(x, ones, Convolution.of(Padding.SAME));
        assertArrayEquals(new int[] {1, 4, 4, 1}, y.shape());
        assertEquals(1 + 2 + 5 + 6, y.get(0), CLOSE);
        assertEquals(4 + 8, y.get(3), CLOSE);
        assertEquals(16, y.get(15), CLOSE);
        // 3x3 'same' with stride 2 on 4x4: total padding 1, all of it after.
        ReferenceTensor strided = ops.conv2d(x, t(shape(3, 3, 1, 1), 1, 1, 1, 1, 1, 1, 1, 1, 1),
                new Convolution(2, 2, 1, 1, 1, Padding.SAME));
        assertArrayEquals(new double[] {1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11, 3 + 4 + 7 + 8 + 11 + 12,
            9 + 10 + 11 + 13 + 14 + 15, 11 + 12 + 15 + 16}, values(strided), CLOSE);
    }

    @Test
    void convolutionDilationAndGroups() {
        double[] image = new double[16];
        for (int i = 0; i < 16; i++) {
            image[i] = i + 1;
        }
        // Dilation 2: the 2x2 kernel's taps are two apart, an effective 3x3 window.
        ReferenceTensor dilated = ops.conv2d(t(shape(1, 4, 4, 1), image), t(shape(2, 2, 1, 1), 1, 1, 1, 1),
                new Convolution(1, 1, 2, 2, 1, Padding.VALID));
        assertArrayEquals(new double[] {1 + 3 + 9 + 11, 2 + 4 + 10 + 12, 5 + 7 + 13 + 15, 6 + 8 + 14 + 16},
                values(dilated), CLOSE);
        // Two groups: output channel 0 sees input channel 0 only, output 1 input 1 only.
        ReferenceTensor grouped = ops.conv2d(t(shape(1, 1, 1, 2), 3, 5), t(shape(1, 1, 1, 2), 2, 10),
                new Convolution(1, 1, 1, 1, 2, Padding.VALID));
        assertArrayEquals(new double[] {6, 50}, values(grouped), CLOSE);

        for (Convolution c : List.of(new Convolution(1, 1, 1, 1, 1, Padding.VALID),
                new Convolution(2, 1, 1, 1, 1, Padding.SAME), new Convolution(1, 2, 2, 1, 1, Padding.SAME),
                new Convolution(1, 1, 1, 1, 2, Padding.SAME))) {
            check("conv2d " + c, y -> ops.conv2d(y.get(0), y.get(1), c), random(random, 2, 5, 4, 4),
                    random(random, 3, 2, 4 / c.groups(), 4));
        }
    }

    @Test
    void maxPoolingNeverSelectsPadding() {
        double[] negative = new double[9];
        for (int i = 0; i < 9; i++) {
            negative[i] = -(i + 1);
        }
        ReferenceTensor x = t(shape(1, 3, 3, 1), negative);
        ReferenceTensor y = ops.maxPool(x, new PoolingWindow(2, 2, 2, 2, Padding.SAME));
        assertArrayEquals(new double[] {-1, -3, -7, -9}, values(y), CLOSE);
        assertArrayEquals(new double[] {-1, -2, -4, -5},
                values(ops.maxPool(x, new PoolingWindow(2, 2, 1, 1, Padding.VALID))), CLOSE);
        for (PoolingWindow w : List.of(PoolingWindow.of(2), new PoolingWindow(3, 2, 1, 2, Padding.SAME),
                new PoolingWindow(2, 2, 2, 2, Padding.SAME))) {
            check("maxPool " + w, v -> ops.maxPool(v.get(0), w), random(random, 2, 5, 4, 2));
        }
    }

    @Test
    void averagePoolingLeavesPaddingOutOfTheCount() {
        ReferenceTensor x = t(shape(1, 3, 3, 1), 1, 2, 3, 4, 5, 6, 7, 8, 9);
        ReferenceTensor y = ops.averagePool(x, new PoolingWindow(2, 2, 2, 2, Padding.SAME));
        assertArrayEquals(new double[] {3, 4.5, 7.5, 9}, values(y), CLOSE);
        for (PoolingWindow w : List.of(PoolingWindow.of(2), new PoolingWindow(3, 2, 1, 2, Padding.SAME))) {
            check("averagePool " + w, v -> ops.averagePool(v.get(0), w), random(random, 2, 5, 4, 2));
        }
    }

    @Test
    void batchNormTrainingUsesBiasedBatchStatistics() {
        // Channel 0: 1, 3 (mean 2, variance 1); channel 1: 2, 2 (mean 2, variance 0).
        ReferenceTensor x = t(shape(2, 2), 1, 2, 3, 2);
        var normalized = ops.batchNormTraining(x, t(shape(2), 2, 1), t(shape(2), 0.5, -1), 0f);
        assertArrayEquals(new double[] {2, 2}, values(normalized.mean()), CLOSE);
        assertArrayEquals(new double[] {1, 0}, values(normalized.variance()), CLOSE);
        assertEquals(-1.5, normalized.output().get(0), CLOSE);
        assertEquals(2.5, normalized.output().get(2), CLOSE);

        check("batchNormTraining on images", v -> ops.batchNormTraining(v.get(0), v.get(1), v.get(2), 1e-3f).output(),
                random(random, 2, 2, 3, 3), random(random, 3), random(random, 3));
        check("batchNormTraining on flat inputs",
                v -> ops.batchNormTraining(v.get(0), v.get(1), v.get(2), 1e-3f).output(), random(random, 5, 2),
                random(random, 2), random(random, 2));
        // The statistics carry no gradient.
        ReferenceTensor input = random(random, 4, 2);
        var stats = ops.batchNormTraining(input, t(shape(2), 1, 1), t(shape(2), 0, 0), 1e-3f);
        ReferenceTensor loss = ops.sum(ops.add(stats.mean(), stats.variance()), new int[] {0}, false);
        assertArrayEquals(new double[8], values(ops.gradients(loss, List.of(input)).get(0)), CLOSE);
    }

    @Test
    void batchNormInferenceUsesTheGivenStatistics() {
        ReferenceTensor y = ops.batchNormInference(t(shape(1, 2), 3, 5), t(shape(2), 2, 1), t(shape(2), 0.5, 0),
                t(shape(2), 1, 1), t(shape(2), 3, 15), 1f);
        assertArrayEquals(new double[] {2.5, 1}, values(y), CLOSE);
        ReferenceTensor variance = t(shape(3), 0.5, 1.2, 0.8);
        check("batchNormInference", v -> ops.batchNormInference(v.get(0), v.get(1), v.get(2), v.get(3), v.get(4),
                1e-3f), random(random, 2, 2, 3), random(random, 3), random(random, 3), random(random, 3), variance);
    }

    @Test
    void gradientsAccumulateWhereATensorFeedsSeveralOpsAndAreZeroWhereTheLossDoesNotReach() {
        ReferenceTensor x = t(shape(2), 3, -2);
        ReferenceTensor unrelated = t(shape(3), 1, 2, 3);
        // x * x + x: 2x + 1.
        ReferenceTensor loss = ops.sum(ops.add(ops.multiply(x, x), x), new int[] {0}, false);
        List<ReferenceTensor> g = ops.gradients(loss, List.of(x, unrelated));
        assertArrayEquals(new double[] {7, -3}, values(g.get(0)), CLOSE);
        assertArrayEquals(new double[3], values(g.get(1)), CLOSE);
        assertThrows(IllegalArgumentException.class, () -> ops.gradients(x, List.of(x)));
    }

    @Test
    void variablesAreReadOncePerRunAndAssignedAtItsEnd() {
        FloatTensor start = FloatTensor.of(new int[] {2}, new float[] {1, 2});
        ReferenceOps run = new ReferenceOps(Map.of("w", start), 0);
        ReferenceTensor w = run.read("w");
        assertSame(w, run.read("w"));
        run.assign("w", run.add(w, run.constant(1)));
        assertArrayEquals(new double[] {1, 2}, values(run.read("w")), CLOSE);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> run.assign("w", w));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
        run.commit();
        assertArrayEquals(new float[] {2, 3}, run.variables().get("w").toArray());
        assertNotEquals(w, run.read("w"));
        run.assign("w", run.constant(FloatTensor.filled(new int[] {2}, 9f)));
        run.discard();
        assertArrayEquals(new float[] {2, 3}, run.variables().get("w").toArray());
        assertThrows(IllegalArgumentException.class, () -> run.read("missing"));
        assertThrows(IllegalArgumentException.class, () -> run.assign("w", run.constant(1)));
    }

    @Test
    void hyperparametersAreWhatTheCallerSet() {
        ops.setHyperparameters(Map.of("alpha", 0.25f));
        assertEquals(0.25, ops.hyperparameter("alpha").get(0), CLOSE);
        assertSame(ops.hyperparameter("alpha"), ops.hyperparameter("alpha"));
        assertThrows(IllegalStateException.class, () -> ops.hyperparameter("beta"));
    }

    @Test
    void randomUniformIsFreshPerCallAndReproduciblePerSeedAndStream() {
        ReferenceTensor like = t(shape(1000), new double[1000]);
        ReferenceOps first = new ReferenceOps(Map.of(), 5);
        ReferenceOps second = new ReferenceOps(Map.of(), 5);
        double[] a = values(first.randomUniform(like, 1));
        assertArrayEquals(a, values(second.randomUniform(like, 1)), 0);
        assertNotEquals(a[0], values(first.randomUniform(like, 1))[0]);
        assertNotEquals(a[0], values(new ReferenceOps(Map.of(), 5).randomUniform(like, 2))[0]);
        assertNotEquals(a[0], values(new ReferenceOps(Map.of(), 6).randomUniform(like, 1))[0]);
        double mean = 0;
        for (double v : a) {
            assertTrue(v >= 0 && v < 1, "value " + v);
            mean += v / a.length;
        }
        assertEquals(0.5, mean, 0.05);
    }
}
