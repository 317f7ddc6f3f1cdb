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

    /**
     * ResNet-20 for CIFAR-10 (He et al. 2016, section 4.2), as Keras's CIFAR-10 ResNet example builds
     * its v1: a 3×3 convolution with 16 filters, then three stages of three residual blocks with 16, 32
     * and 64 filters (conv-BN-ReLU, conv-BN, add, ReLU), the first block of the second and third stage
     * halving the image with stride 2; where the shape changes the shortcut is a 1×1 convolution with
     * stride 2 (the paper's option B, which Keras's example uses), elsewhere the identity; then
     * average pooling over the whole 8×8 map, flatten, a dense layer and a softmax. 274,442 parameters
     * (1,376 non-trainable), as Keras counts that example. Keras's example also gives every convolution
     * an L2 kernel regularizer (1e-4), which this model leaves out (the runs recorded in the results were
     * trained without it; {@code Conv2D.withKernelRegularizer} adds it), and He-normal initialisation,
     * which Sightline does not have.
     */
    public static Functional resnet20(Shape input, int classes) {
        SymbolicTensor in = Functional.input(input);
        return resnet20(in, in, classes);
    }

    /**
     * {@link #resnet20} behind Keras's augmentation layers for CIFAR-10: a random horizontal flip and a
     * random move of up to 1/8 of the image either way (up to 4 pixels of 32, zeros moving in), the
     * pad-4-and-crop of He et al. written as layers. Both are the identity outside training.
     */
    public static Functional resnet20Augmented(Shape input, int classes) {
        SymbolicTensor in = Functional.input(input);
        SymbolicTensor moved = RandomTranslation.of(0.125, 0.125)
                .apply(RandomFlip.of(RandomFlip.Mode.HORIZONTAL).apply(in));
        return resnet20(in, moved, classes);
    }

    private static Functional resnet20(SymbolicTensor in, SymbolicTensor images, int classes) {
        SymbolicTensor x = convBatchNorm(images, 16, 1, true);
        int filters = 16;
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < 3; block++) {
                int strides = stage > 0 && block == 0 ? 2 : 1;
                SymbolicTensor y = convBatchNorm(x, filters, strides, true);
                y = convBatchNorm(y, filters, 1, false);
                if (strides > 1) {
                    x = Conv2D.of(filters, 1).withStrides(strides, strides).withPadding(Padding.SAME).apply(x);
                }
                x = Activation.of(RELU).apply(Add.of(x, y));
            }
            filters *= 2;
        }
        Shape last = x.shape();
        x = new AveragePooling2D(null, new PoolingWindow(last.height(), last.width(), last.height(), last.width(),
                Padding.VALID)).apply(x);
        SymbolicTensor output = Activation.of(SOFTMAX).apply(Dense.of(classes).apply(Flatten.of().apply(x)));
        return Functional.of("resnet20", in, output);
    }

    private static SymbolicTensor convBatchNorm(SymbolicTensor x, int filters, int strides, boolean relu) {
        SymbolicTensor y = Conv2D.of(filters, 3).withStrides(strides, strides).withPadding(Padding.SAME).apply(x);
        y = BatchNormalization.of().apply(y);
        return relu ? Activation.of(RELU).apply(y) : y;
    }

    /**
     * A small MobileNet (Howard et al. 2017) for 32×32 images: a 3×3 convolution with 32 filters, then
     * six depthwise-separable blocks (a 3×3 depthwise convolution and a 1×1 pointwise one, each
     * without bias and followed by batch-norm and ReLU capped at 6, as Keras's MobileNet) to 64, 128,
     * 128, 256, 256 and 512 channels, the second, fourth and sixth halving the image; then global
     * average pooling and a softmax dense layer. For CIFAR-10: 278,730 parameters, 4,480
     * non-trainable.
     */
    public static Functional mobileNet(Shape input, int classes) {
        SymbolicTensor in = Functional.input(input);
        SymbolicTensor x = normalizedRelu6(Conv2D.of(32, 3).withPadding(Padding.SAME).withUseBias(false).apply(in));
        int[][] blocks = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}};
        for (int[] block : blocks) {
            int strides = block[1];
            x = normalizedRelu6(DepthwiseConv2D.of(3).withPadding(Padding.SAME).withStrides(strides, strides)
                    .withUseBias(false).apply(x));
            x = normalizedRelu6(Conv2D.of(block[0], 1).withUseBias(false).apply(x));
        }
        SymbolicTensor output = Dense.of(classes).withActivation(SOFTMAX).apply(GlobalAveragePooling2D.of().apply(x));
        return Functional.of("mobilenet", in, output);
    }

    private static SymbolicTensor normalizedRelu6(SymbolicTensor x) {
        return ReLU.of().withMaxValue(6.0).apply(BatchNormalization.of().apply(x));
    }
}
