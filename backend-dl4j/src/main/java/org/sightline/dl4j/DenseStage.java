package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Keras's {@code Dense} without its activation: {@code y = x W + b}, kernel {@code [in, units]} as Keras. */
final class DenseStage extends Stage {
    private final INDArray kernel;
    private final INDArray bias;
    private final INDArray kernelGradient;
    private final INDArray biasGradient;

    DenseStage(INDArray input, INDArray kernel, INDArray bias, INDArray kernelGradient, INDArray biasGradient) {
        super(input);
        this.kernel = kernel;
        this.bias = bias;
        this.kernelGradient = kernelGradient;
        this.biasGradient = biasGradient;
        this.output = allocate(input.size(0), kernel.size(1));
    }

    @Override
    void forward(boolean training) {
        Nd4j.gemm(input, kernel, output, false, false, 1.0, 0.0);
        if (bias != null) {
            output.addiRowVector(bias);
        }
    }

    @Override
    void backward() {
        Nd4j.gemm(input, outputGradient, kernelGradient, true, false, 1.0, 0.0);
        if (bias != null) {
            outputGradient.sum(biasGradient, 0);
        }
        Nd4j.gemm(outputGradient, kernel, inputGradient, false, true, 1.0, 0.0);
    }
}
