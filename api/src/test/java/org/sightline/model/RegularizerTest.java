package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;
import org.sightline.conformance.ReferenceOps;
import org.sightline.conformance.ReferenceTensor;
import org.sightline.conformance.ReferenceTraining;
import org.sightline.data.Batch;

/**
 * The penalty and its gradient, worked out by hand, the training step's loss with the penalties, and
 * where regularizers reach a layer's weights.
 */
class RegularizerTest {
    private static final double CLOSE = 1e-12;
    private static final int[] SHAPE = {2, 2};

    private final ReferenceOps ops = new ReferenceOps(Map.of("w", FloatTensor.of(SHAPE, new float[] {1, -2, 0, 3})),
            0);

    @Test
    void penaltyIsL1TimesSumOfAbsolutesPlusL2TimesSumOfSquares() {
        ReferenceTensor w = ops.read("w");
        ReferenceTensor penalty = new Regularizer(0.5, 0.25).penalty(ops, w, SHAPE);
        // sum |w| = 6, sum w^2 = 14: 0.5 * 6 + 0.25 * 14.
        assertArrayEquals(new int[0], penalty.shape());
        assertEquals(6.5, penalty.get(0), CLOSE);
        // 0.5 * sign(w) + 2 * 0.25 * w; at w = 0 the L1 term's gradient is 0, as Keras's sign(0).
        ReferenceTensor gradient = ops.gradients(penalty, List.of(w)).get(0);
        double[] expected = {1, -1.5, 0, 2};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], gradient.get(i), CLOSE, "gradient " + i);
        }
    }

    @Test
    void eachTermAlone() {
        ReferenceTensor w = ops.read("w");
        assertEquals(3, Regularizer.l1(0.5).penalty(ops, w, SHAPE).get(0), CLOSE);
        assertEquals(3.5, Regularizer.l2(0.25).penalty(ops, w, SHAPE).get(0), CLOSE);
        assertEquals(0, Regularizer.none().penalty(ops, w, SHAPE).get(0), CLOSE);
    }

    @Test
    void factorsMustBeFiniteAndNotNegative() {
        assertEquals("Regularizer.l1 must be a finite number >= 0, got -0.1",
                assertThrows(IllegalArgumentException.class, () -> Regularizer.l1(-0.1)).getMessage());
        assertEquals("Regularizer.l2 must be a finite number >= 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> Regularizer.l2(Double.NaN)).getMessage());
        assertEquals("Regularizer.l2 must be a finite number >= 0, got Infinity",
                assertThrows(IllegalArgumentException.class, () -> new Regularizer(0, Double.POSITIVE_INFINITY))
                        .getMessage());
        assertTrue(Regularizer.none().isNone());
        assertTrue(new Regularizer(0, 0).isNone());
        assertFalse(Regularizer.l1(1e-9).isNone());
    }

    @Test
    void theTrainingStepReportsTheLossPlusThePenalties() {
        Sequential plain = Sequential.builder(Shape.image(2, 2, 1)).add(Flatten.of())
                .add(Dense.of(3).withActivation(ActivationFunction.SOFTMAX)).build();
        Sequential regularized = Sequential.builder(Shape.image(2, 2, 1)).add(Flatten.of())
                .add(Dense.of(3).withActivation(ActivationFunction.SOFTMAX).withKernelRegularizer(Regularizer.l2(0.5))
                        .withBiasRegularizer(Regularizer.l1(0.25))).build();
        float[] kernel = plain.initialWeights(7).get("dense/kernel").toArray();
        Weights weights = Weights.builder().put("dense/kernel", FloatTensor.of(new int[] {4, 3}, kernel))
                .put("dense/bias", FloatTensor.of(new int[] {3}, new float[] {0.5f, -1, 0})).build();
        double squares = 0;
        for (float k : kernel) {
            squares += (double) k * k;
        }
        CompileOptions options = CompileOptions.of(Adam.withLearningRate(0.01));
        OptimizerState state = new OptimizerState(0, Weights.builder().build());
        Batch batch = Batch.random(plain.inputShape(), 3, 4, new SplittableRandom(3));
        double loss = ReferenceTraining.step(plain, weights, state, options, batch, 0).loss();
        assertEquals(loss + 0.5 * squares + 0.25 * 1.5,
                ReferenceTraining.step(regularized, weights, state, options, batch, 0).loss(), 1e-6);
    }

    @Test
    void kernelAndBiasRegularizersReachTheirWeights() {
        Regularizer kernel = Regularizer.l2(1e-4);
        Regularizer bias = Regularizer.l1(0.01);
        List<WeightSpec> conv = Conv2D.of(4, 3).withKernelRegularizer(kernel).withBiasRegularizer(bias)
                .weights(Shape.image(8, 8, 2));
        assertEquals(List.of(kernel, bias), conv.stream().map(WeightSpec::regularizer).toList());
        List<WeightSpec> dense = Dense.of(3).withBiasRegularizer(bias).weights(Shape.of(5));
        assertEquals(List.of(Regularizer.none(), bias), dense.stream().map(WeightSpec::regularizer).toList());
        assertFalse(Dense.of(3).equals(Dense.of(3).withBiasRegularizer(bias)));
    }
}
