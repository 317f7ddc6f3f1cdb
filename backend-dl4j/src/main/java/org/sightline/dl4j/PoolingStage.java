package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;

/**
 * Keras's {@code MaxPooling2D} and {@code AveragePooling2D} as libnd4j's pooling ops (oneDNN). With
 * padding 'same' the average counts only the values inside the image, as TF does.
 */
final class PoolingStage extends Stage {
    private static final int EXCLUDE_PADDING = 0;
    private final String op;
    private final int[] args;

    PoolingStage(INDArray input, PoolingWindow window, boolean max, long[] outputShape, ImageLayout layout) {
        super(input);
        this.op = max ? "maxpool2d" : "avgpool2d";
        this.args = new int[] {window.poolHeight(), window.poolWidth(), window.strideHeight(), window.strideWidth(),
                0, 0, 1, 1, window.padding() == Padding.SAME ? 1 : 0, EXCLUDE_PADDING,
                layout == ImageLayout.NHWC ? 1 : 0};
        this.output = allocate(withBatch((int) input.size(0), outputShape));
    }

    @Override
    void forward(boolean training) {
        exec(op, new INDArray[] {input}, new INDArray[] {output}, args);
    }

    @Override
    void backward() {
        exec(op + "_bp", new INDArray[] {input, outputGradient}, new INDArray[] {inputGradient}, args);
    }
}
