package org.sightline.onnx;

import static org.sightline.model.ActivationFunction.RELU;
import static org.sightline.model.ActivationFunction.SIGMOID;
import static org.sightline.model.ActivationFunction.SOFTMAX;
import static org.sightline.model.ActivationFunction.TANH;

import org.sightline.model.Activation;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Constraint;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

/** Models and weights the ONNX tests share. */
final class TestModels {
    private TestModels() {
    }

    /**
     * Every layer kind and option on a non-square image: strided and 'same' convolutions
     * with asymmetric pads, a rectangular kernel without bias, both poolings in both paddings, batch
     * norm on images and on vectors with a non-default epsilon, every activation.
     */
    static Sequential everyLayer() {
        return Sequential.builder(Shape.image(8, 7, 3))
                .add(Conv2D.of(4, 3).withPadding(Padding.SAME).withStrides(2, 1).withActivation(RELU))
                .add(new BatchNormalization(null, 0.9, 0.01))
                .add(Conv2D.of(5, 2).withPadding(Padding.SAME).withUseBias(false).withActivation(TANH))
                .add(new MaxPooling2D(null, new PoolingWindow(2, 2, 1, 1, Padding.VALID)))
                .add(new AveragePooling2D(null, new PoolingWindow(2, 2, 2, 2, Padding.SAME)))
                .add(new MaxPooling2D(null, new PoolingWindow(2, 3, 1, 1, Padding.SAME)))
                .add(new AveragePooling2D(null, new PoolingWindow(1, 2, 1, 1, Padding.VALID)))
                .add(new Conv2D(null, 6, 2, 3, 1, 1, Padding.SAME, SIGMOID, true, Constraint.none()))
                .add(Activation.of(RELU))
                .add(Dropout.of(0.5))
                .add(Flatten.of())
                .add(Dense.of(7).withActivation(TANH))
                .add(BatchNormalization.of())
                .add(Dropout.of(0.3))
                .add(Dense.of(5).withUseBias(false).withActivation(SIGMOID))
                .add(Dense.of(4))
                .add(Activation.of(SOFTMAX))
                .build();
    }

    static double maxAbsDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
