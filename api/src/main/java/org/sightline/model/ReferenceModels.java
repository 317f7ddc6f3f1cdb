package org.sightline.model;

import static org.sightline.model.ActivationFunction.RELU;
import static org.sightline.model.ActivationFunction.SOFTMAX;

/** Ready-made model definitions that Sightline reproduces and benchmarks. */
public final class ReferenceModels {
    /** The reference tutorial's CIFAR-10 settings. */
    public static final int CIFAR10_EPOCHS = 25;
    public static final int CIFAR10_BATCH_SIZE = 64;
    public static final long CIFAR10_SEED = 21;

    private ReferenceModels() {
    }

    /**
     * The classic Keras CIFAR-10 CNN: conv 32-64-64-128 (3×3, 'same', ReLU) with dropout 0.2 and
     * batch-norm, two 2×2 max-pools, dense 256-128 with max-norm 3, softmax over 10 classes.
     * Total params 2,264,458 (trainable 2,263,114, non-trainable 1,344), as Keras reports.
     */
    public static Sequential cifar10Cnn() {
        return cnn(Shape.image(32, 32, 3), 10);
    }

    /** The same architecture for another input size and number of classes. */
    public static Sequential cnn(Shape input, int classes) {
        return Sequential.builder(input)
                .add(Conv2D.of(32, 3).withPadding(Padding.SAME))
                .add(Activation.of(RELU))
                .add(Dropout.of(0.2))
                .add(BatchNormalization.of())
                .add(Conv2D.of(64, 3).withPadding(Padding.SAME))
                .add(Activation.of(RELU))
                .add(MaxPooling2D.of(2))
                .add(Dropout.of(0.2))
                .add(BatchNormalization.of())
                .add(Conv2D.of(64, 3).withPadding(Padding.SAME))
                .add(Activation.of(RELU))
                .add(MaxPooling2D.of(2))
                .add(Dropout.of(0.2))
                .add(BatchNormalization.of())
                .add(Conv2D.of(128, 3).withPadding(Padding.SAME))
                .add(Activation.of(RELU))
                .add(Dropout.of(0.2))
                .add(BatchNormalization.of())
                .add(Flatten.of())
                .add(Dropout.of(0.2))
                .add(Dense.of(256).withKernelConstraint(MaxNorm.of(3)))
                .add(Activation.of(RELU))
                .add(Dropout.of(0.2))
                .add(BatchNormalization.of())
                .add(Dense.of(128).withKernelConstraint(MaxNorm.of(3)))
                .add(Activation.of(RELU))
                .add(Dropout.of(0.2))
                .add(BatchNormalization.of())
                .add(Dense.of(classes))
                .add(Activation.of(SOFTMAX))
                .build();
    }

    /** A small, fast CNN for 28×28 grayscale images such as Fashion-MNIST. */
    public static Sequential smallCnn(Shape input, int classes) {
        return Sequential.builder(input)
                .add(Conv2D.of(16, 3).withPadding(Padding.SAME).withActivation(RELU))
                .add(MaxPooling2D.of(2))
                .add(Conv2D.of(32, 3).withPadding(Padding.SAME).withActivation(RELU))
                .add(MaxPooling2D.of(2))
                .add(Flatten.of())
                .add(Dense.of(64).withActivation(RELU))
                .add(Dense.of(classes).withActivation(SOFTMAX))
                .build();
    }
}
