package org.sightline.conformance;

import org.sightline.model.FloatTensor;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * The oracle of inference every backend is checked against: the model's own
 * {@link Network#call} run on {@link ReferenceOps}, so the layers are the ones every backend runs and
 * only the operations are the reference's (Keras's semantics, in double, see {@link ReferenceOps}).
 *
 * <pre>{@code
 * float[] probabilities = ReferenceForwardPass.predict(model, weights, imagesNhwc, count);
 * }</pre>
 */
public final class ReferenceForwardPass {

    private ReferenceForwardPass() {
    }

    /**
     * Runs {@code count} examples through the model in inference mode.
     *
     * @param images {@code count} inputs of the model's input shape, NHWC, row-major
     * @return {@code count} outputs of the model's output shape, row-major: {@code [count, classes]}
     *         for a classifier
     */
    public static float[] predict(Network model, Weights weights, float[] images, int count) {
        model.requireCompatible(weights, "the reference forward pass");
        ReferenceOps ops = new ReferenceOps(weights.asMap(), 0);
        return model.call(ops, ops.constant(input(model, images, count)), false).output().toFloatArray();
    }

    /** {@code images} as a {@code [count, input shape...]} tensor, checking their number. */
    static FloatTensor input(Network model, float[] images, int count) {
        int inputSize = model.inputShape().size();
        if (count < 0 || images.length != (long) count * inputSize) {
            throw new IllegalArgumentException(count + " examples of " + model.inputShape() + " need "
                    + (long) count * inputSize + " values, got " + images.length);
        }
        int[] dims = model.inputShape().dims();
        int[] shape = new int[dims.length + 1];
        shape[0] = count;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return FloatTensor.of(shape, images);
    }
}
