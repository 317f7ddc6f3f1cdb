package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sightline.model.FloatTensor;
import org.sightline.model.Weights;
import org.sightline.compile.OptimizerState;

class ParameterAveragingTest {

    private static ReplicaState state(float kernel, float movingMean, float m, float v, long iterations) {
        Weights weights = Weights.builder()
                .put("dense/kernel", FloatTensor.of(new int[] {1, 2}, new float[] {kernel, -kernel}))
                .put("batch_normalization/moving_mean", FloatTensor.of(new int[] {1}, new float[] {movingMean}))
                .build();
        Weights slots = Weights.builder()
                .put("dense/kernel/m", FloatTensor.of(new int[] {1, 2}, new float[] {m, 2 * m}))
                .put("dense/kernel/v", FloatTensor.of(new int[] {1, 2}, new float[] {v, 3 * v}))
                .build();
        return ReplicaState.of(weights, new OptimizerState(iterations, slots));
    }

    @Test
    void twoReplicasAverageToTheMeanOfWeightsBatchNormStatisticsAndAdamMoments() {
        ParameterAveraging left = new ParameterAveraging().add(state(1f, 0.5f, 0.1f, 0.01f, 10), 8.0, 3, 4);
        ParameterAveraging right = new ParameterAveraging().add(state(3f, 1.5f, 0.3f, 0.03f, 12), 4.0, 1, 4);

        ParameterAveraging sum = new ParameterAveraging().merge(left).merge(right);
        ReplicaState mean = sum.average();

        assertArrayEquals(new float[] {2f, -2f}, mean.weights().get("dense/kernel").toArray());
        assertArrayEquals(new float[] {1f}, mean.weights().get("batch_normalization/moving_mean").toArray());
        OptimizerState optimizer = mean.optimizerState();
        assertArrayEquals(new float[] {0.2f, 0.4f}, optimizer.slots().get("dense/kernel/m").toArray(), 1e-7f);
        assertArrayEquals(new float[] {0.02f, 0.06f}, optimizer.slots().get("dense/kernel/v").toArray(), 1e-7f);
        assertEquals(11, optimizer.iterations());
        assertEquals(2, sum.replicas());
        assertEquals(12.0, sum.lossSum());
        assertEquals(4, sum.correct());
        assertEquals(8, sum.seen());
        assertEquals(mean.weights().names(), state(0, 0, 0, 0, 0).weights().names());
    }

    @Test
    void aReplicaWithNoBatchLeftIsNotAveragedIn() {
        ParameterAveraging trained = new ParameterAveraging().add(state(4f, 2f, 0.4f, 0.04f, 7), 2.0, 1, 2);
        ParameterAveraging idle = new ParameterAveraging().add(state(100f, 100f, 1f, 1f, 0), 0, 0, 0);

        ReplicaState mean = new ParameterAveraging().merge(idle).merge(trained).average();

        assertArrayEquals(new float[] {4f, -4f}, mean.weights().get("dense/kernel").toArray());
        assertEquals(7, mean.optimizerState().iterations());
    }

    @Test
    void aRoundInWhichNoReplicaTrainedHasNothingToAverage() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ParameterAveraging().average());
        assertEquals("No replica trained in this round: nothing to average", e.getMessage());
    }
}
