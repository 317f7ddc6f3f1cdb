package org.sightline.onnx;

import static org.sightline.model.ActivationFunction.RELU;
import static org.sightline.model.ActivationFunction.SIGMOID;
import static org.sightline.model.ActivationFunction.SOFTMAX;
import static org.sightline.model.ActivationFunction.TANH;

import java.util.Map;
import java.util.SplittableRandom;
import org.sightline.model.Activation;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Constraint;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;

/** Models and weights the ONNX tests share. */
final class TestModels {
    private TestModels() {
    }

    /**
     * Every layer kind and option on a non-square odd-sized image: strided and 'same' convolutions
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

    /**
     * Keras's initial weights with every bias, beta and batch-norm statistic moved off its default,
     * so that a wrong layout or a skipped normalisation shows in the outputs.
     */
    static Weights perturbed(Sequential model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder builder = Weights.builder();
        for (Map.Entry<String, FloatTensor> entry : model.initialWeights(seed).asMap().entrySet()) {
            String key = entry.getKey();
            FloatTensor tensor = entry.getValue();
            float[] values = tensor.toArray();
            for (int i = 0; i < values.length; i++) {
                if (key.endsWith("/bias") || key.endsWith("/beta") || key.endsWith("/moving_mean")) {
                    values[i] = (float) random.nextDouble(-0.3, 0.3);
                } else if (key.endsWith("/gamma")) {
                    values[i] = (float) random.nextDouble(0.5, 1.5);
                } else if (key.endsWith("/moving_variance")) {
                    values[i] = (float) random.nextDouble(0.2, 2.0);
                }
            }
            builder.put(key, FloatTensor.wrap(tensor.shape(), values));
        }
        return builder.build();
    }

    /** {@code count} NHWC images of uniform values in [0, 1), as scaled pixels are. */
    static float[] images(Shape shape, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] images = new float[count * shape.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextDouble();
        }
        return images;
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
