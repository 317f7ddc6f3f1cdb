package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Reorders or reshapes activations: Keras's {@code Flatten}, which flattens in (height, width,
 * channel) order, and the conversion of NHWC input images into an NCHW network. In NHWC a flatten is a
 * free view; a change of layout copies.
 */
final class ReshapeStage extends Stage {
    /** The permutation from the input's axes to the output's ({@code 0, 1, ...} for a plain reshape). */
    private final int[] permutation;
    /** Whether {@link #output} is a view of the input, which a plain reshape of a contiguous array is. */
    private final boolean view;
    private boolean gradientView;

    private ReshapeStage(INDArray input, int[] permutation, long[] outputShape) {
        super(input);
        this.permutation = permutation;
        INDArray reshaped = isIdentity(permutation) ? Shape.newShapeNoCopy(input, outputShape, false) : null;
        this.view = reshaped != null;
        this.output = view ? reshaped : allocate(outputShape);
    }

    private static boolean isIdentity(int[] permutation) {
        for (int i = 0; i < permutation.length; i++) {
            if (permutation[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Keras's flatten of {@code input} in {@code layout}. */
    static ReshapeStage flatten(INDArray input, ImageLayout layout) {
        long n = input.size(0);
        long size = input.length() / n;
        return new ReshapeStage(input, layout == ImageLayout.NCHW ? new int[] {0, 2, 3, 1} : new int[] {0, 1, 2, 3},
                new long[] {n, size});
    }

    /** NHWC images to NCHW. */
    static ReshapeStage toChannelsFirst(INDArray input) {
        long[] s = input.shape();
        return new ReshapeStage(input, new int[] {0, 3, 1, 2}, new long[] {s[0], s[3], s[1], s[2]});
    }

    @Override
    void forward(boolean training) {
        if (!view) {
            INDArray permuted = input.permute(permutation);
            output.reshape('c', permuted.shape()).assign(permuted);
        }
    }

    @Override
    void prepareBackward(INDArray gradientAtOutput) {
        outputGradient = gradientAtOutput;
        INDArray reshaped = view ? Shape.newShapeNoCopy(gradientAtOutput, input.shape(), false) : null;
        gradientView = reshaped != null;
        inputGradient = gradientView ? reshaped : own(input.ulike());
    }

    @Override
    void backward() {
        if (!gradientView) {
            int[] inverse = new int[permutation.length];
            for (int i = 0; i < permutation.length; i++) {
                inverse[permutation[i]] = i;
            }
            long[] permutedShape = new long[permutation.length];
            for (int i = 0; i < permutation.length; i++) {
                permutedShape[i] = input.size(permutation[i]);
            }
            inputGradient.assign(outputGradient.reshape('c', permutedShape).permute(inverse));
        }
    }
}
