package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras's inverted dropout, in training passes only: each value is kept with probability
 * {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}, through a mask drawn from the engine's seeded
 * generator every step.
 */
final class DropoutStage extends Stage {
    private final double retain;
    private final Random random;
    private final INDArray mask;

    DropoutStage(INDArray input, double rate, Random random) {
        super(input);
        this.retain = 1 - rate;
        this.random = random;
        this.mask = allocate(input.shape());
        this.output = allocate(input.shape());
    }

    @Override
    void forward(boolean training) {
        Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, retain), random);
        mask.muli(1 / retain);
        input.mul(mask, output);
    }

    @Override
    void backward() {
        outputGradient.mul(mask, inputGradient);
    }
}
