package org.sightline.spi;

import java.util.Objects;
import org.sightline.model.Weights;

/**
 * What {@link ModelEngine#lossGradients} gives: the model's output and the gradients of
 * {@code sum(output * outputWeights)} with respect to the input images and every trainable weight.
 *
 * @param output  row-major {@code [count, output size]}
 * @param input   the gradient at the images, NHWC like them
 * @param weights the gradient at each trainable weight, by the weight's name, in Keras layout
 */
public record LossGradients(float[] output, float[] input, Weights weights) {

    public LossGradients {
        Objects.requireNonNull(output, "LossGradients.output");
        Objects.requireNonNull(input, "LossGradients.input");
        Objects.requireNonNull(weights, "LossGradients.weights");
    }
}
