package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.model.BatchNormalization;

/**
 * Keras's {@code BatchNormalization} over the channel axis, as libnd4j's {@code batchnorm} and
 * {@code batchnorm_bp} (oneDNN). Training normalizes with the batch's mean and biased variance, whose
 * influence {@code batchnorm_bp} includes in the input gradient; inference uses the moving statistics.
 * After a step, {@link #updateMovingStatistics()} folds the batch's statistics in with Keras's momentum.
 */
final class BatchNormStage extends Stage {
    private final BatchNormalization spec;
    private final INDArray gamma;
    private final INDArray beta;
    private final INDArray movingMean;
    private final INDArray movingVariance;
    private final INDArray gammaGradient;
    private final INDArray betaGradient;
    private final int[] reduceAxes;
    private final int[] args;
    private INDArray batchMean;
    private INDArray batchVariance;
    private INDArray meanGradient;
    private INDArray varianceGradient;

    BatchNormStage(INDArray input, BatchNormalization spec, Weights weights, int channelAxis, int[] reduceAxes,
            boolean training) {
        super(input);
        this.spec = spec;
        this.gamma = weights.gamma;
        this.beta = weights.beta;
        this.movingMean = weights.movingMean;
        this.movingVariance = weights.movingVariance;
        this.gammaGradient = weights.gammaGradient;
        this.betaGradient = weights.betaGradient;
        this.reduceAxes = reduceAxes;
        this.args = new int[] {1, 1, channelAxis};
        this.output = allocate(input.shape());
        if (training) {
            long channels = input.size(channelAxis);
            batchMean = allocate(channels);
            batchVariance = allocate(channels);
        }
    }

    /** The layer's arrays: its four weights and the gradients of the two trainable ones. */
    record Weights(INDArray gamma, INDArray beta, INDArray movingMean, INDArray movingVariance,
            INDArray gammaGradient, INDArray betaGradient) {
    }

    @Override
    void forward(boolean training) {
        INDArray mean = movingMean;
        INDArray variance = movingVariance;
        if (training) {
            input.mean(batchMean, reduceAxes);
            Nd4j.exec(new Variance(input, batchVariance, false, reduceAxes));
            mean = batchMean;
            variance = batchVariance;
        }
        exec("batchnorm", new INDArray[] {input, mean, variance, gamma, beta}, new INDArray[] {output}, args,
                spec.epsilon());
    }

    @Override
    void prepareBackward(INDArray gradientAtOutput) {
        super.prepareBackward(gradientAtOutput);
        meanGradient = allocate(batchMean.shape());
        varianceGradient = allocate(batchVariance.shape());
    }

    @Override
    void backward() {
        exec("batchnorm_bp", new INDArray[] {input, batchMean, batchVariance, gamma, beta, outputGradient},
                new INDArray[] {inputGradient, meanGradient, varianceGradient, gammaGradient, betaGradient}, args,
                spec.epsilon());
    }

    /** Keras: {@code moving = moving * momentum + batch * (1 - momentum)}; consumes the batch statistics. */
    void updateMovingStatistics() {
        double momentum = spec.momentum();
        movingMean.muli(momentum).addi(batchMean.muli(1 - momentum));
        movingVariance.muli(momentum).addi(batchVariance.muli(1 - momentum));
    }
}
