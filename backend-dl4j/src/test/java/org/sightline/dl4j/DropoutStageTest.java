package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

class DropoutStageTest {

    @BeforeAll
    static void startNd4j() {
        NativeRuntime.start();
    }

    @Test
    void dropsTheRateAndScalesTheRestLikeKeras() throws Exception {
        try (INDArray ones = Nd4j.ones(DataType.FLOAT, 100, 1000); Random random = rng(5);
                DropoutStage stage = new DropoutStage(ones, 0.2, random)) {
            stage.forward(true);
            float[] out = stage.output().data().asFloat();
            int zeros = 0;
            for (float v : out) {
                if (v == 0) {
                    zeros++;
                } else {
                    assertEquals(1 / 0.8f, v, 1e-6f);
                }
            }
            assertEquals(0.2, zeros / (double) out.length, 0.01, "fraction dropped");
        }
    }

    @Test
    void backwardUsesTheSameMaskAndSeedsRepeat() throws Exception {
        float[] first = checkedGradient(9);
        assertArrayEquals(first, checkedGradient(9), "same seed, same mask");
    }

    /** One step of rate 0.5 on random input and a unit gradient; checks it and returns the input gradient. */
    private static float[] checkedGradient(long seed) throws Exception {
        try (INDArray input = Nd4j.rand(DataType.FLOAT, 10, 50); Random random = rng(seed);
                DropoutStage stage = new DropoutStage(input, 0.5, random);
                INDArray gradient = Nd4j.ones(DataType.FLOAT, 10, 50)) {
            stage.prepareBackward(gradient);
            stage.forward(true);
            stage.backward();
            float[] in = input.data().asFloat();
            float[] out = stage.output().data().asFloat();
            float[] back = stage.inputGradient().data().asFloat();
            for (int i = 0; i < in.length; i++) {
                assertEquals(out[i] == 0 ? 0 : 2f, back[i], 1e-6f, "gradient " + i);
                assertTrue(out[i] == 0 || Math.abs(out[i] - 2 * in[i]) < 1e-6, "output " + i);
            }
            return back;
        }
    }

    private static Random rng(long seed) {
        return Nd4j.getRandomFactory().getNewRandomInstance(seed);
    }
}
