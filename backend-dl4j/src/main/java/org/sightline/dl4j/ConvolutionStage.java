package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.sightline.model.Conv2D;
import org.sightline.model.Padding;

/**
 * Keras's {@code Conv2D} without its activation, as libnd4j's {@code conv2d} / {@code conv2d_bp}
 * (oneDNN). The kernel stays in Keras's layout {@code [kh, kw, in, out]} (libnd4j weights format 0,
 * YXIO), whatever the image layout; 'same' padding is TF's (the odd pixel after).
 */
final class ConvolutionStage extends Stage {
    private static final int KERNEL_YXIO = 0;
    private final INDArray kernel;
    private final INDArray bias;
    private final INDArray kernelGradient;
    private final INDArray biasGradient;
    private final int[] args;

    ConvolutionStage(INDArray input, Conv2D conv, long[] outputShape, ImageLayout layout, INDArray kernel,
            INDArray bias, INDArray kernelGradient, INDArray biasGradient) {
        super(input);
        this.kernel = kernel;
        this.bias = bias;
        this.kernelGradient = kernelGradient;
        this.biasGradient = biasGradient;
        this.args = new int[] {conv.kernelHeight(), conv.kernelWidth(), conv.strideHeight(), conv.strideWidth(), 0, 0,
                1, 1, conv.padding() == Padding.SAME ? 1 : 0, layout == ImageLayout.NHWC ? 1 : 0, KERNEL_YXIO};
        this.output = allocate(withBatch((int) input.size(0), outputShape));
    }

    @Override
    void forward(boolean training) {
        INDArray[] inputs = bias == null ? new INDArray[] {input, kernel} : new INDArray[] {input, kernel, bias};
        exec("conv2d", inputs, new INDArray[] {output}, args);
    }

    @Override
    void backward() {
        if (bias == null) {
            exec("conv2d_bp", new INDArray[] {input, kernel, outputGradient},
                    new INDArray[] {inputGradient, kernelGradient}, args);
        } else {
            exec("conv2d_bp", new INDArray[] {input, kernel, bias, outputGradient},
                    new INDArray[] {inputGradient, kernelGradient, biasGradient}, args);
        }
    }
}
