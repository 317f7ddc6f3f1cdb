package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.model.ActivationFunction.RELU;
import static org.sightline.model.ActivationFunction.SOFTMAX;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.data.Batch;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;

/**
 * What only this backend checks at the engine level; the engine contract every training backend shares
 * (Adam, max-norm and batch-norm statistics as the reference, state round trips, errors) is the kit's
 * {@code EngineContractTest}, run here by {@link TensorFlowEngineContractTest}.
 */
class TensorFlowEngineTest {
    private static final Adam ADAM = Adam.withLearningRate(0.01);

    @Test
    void learnsASeparableTask() {
        Sequential model = Sequential.builder(Shape.image(6, 6, 1))
                .add(Conv2D.of(4, 3).withPadding(Padding.SAME).withActivation(RELU))
                .add(BatchNormalization.of())
                .add(MaxPooling2D.of(2))
                .add(Dropout.of(0.2))
                .add(Flatten.of())
                .add(Dense.of(8).withActivation(RELU).withKernelConstraint(MaxNorm.of(3)))
                .add(BatchNormalization.of())
                .add(Dense.of(2).withActivation(SOFTMAX))
                .build();
        SplittableRandom random = new SplittableRandom(9);
        try (ModelEngine engine = training(model, model.initialWeights(10), 11)) {
            double firstLoss = engine.trainOnBatch(halves(random, 32)).meanLoss();
            double lastLoss = firstLoss;
            for (int step = 0; step < 30; step++) {
                lastLoss = engine.trainOnBatch(halves(random, 32)).meanLoss();
            }
            assertTrue(lastLoss < firstLoss / 2, "loss went from " + firstLoss + " to " + lastLoss);
            Batch test = halves(random, 200);
            float[] p = engine.predict(test.images(), test.size());
            int correct = 0;
            for (int i = 0; i < test.size(); i++) {
                int predicted = p[2 * i + 1] > p[2 * i] ? 1 : 0;
                correct += predicted == test.labels()[i] ? 1 : 0;
            }
            assertTrue(correct >= 180, "accuracy " + correct + "/200");
        }
    }

    @Test
    void askingForAGpuWithoutGpuNativesIsAClearError() {
        Sequential model = Sequential.of(Shape.of(2), Dense.of(2).withActivation(SOFTMAX));
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> new TensorFlowBackend().createEngine(
                        EngineRequest.inference(model, model.initialWeights(1), Device.gpu(0))));
        assertTrue(e.getMessage().contains("gpu:0") && e.getMessage().contains("-Pgpu"), e.getMessage());
    }

    static ModelEngine training(Sequential model, Weights weights, long seed) {
        return new TensorFlowBackend().createEngine(
                EngineRequest.training(model, weights, CompileOptions.of(ADAM), Device.cpu(), seed));
    }

    /** 6×6 images, class 0 brighter in the top half, class 1 in the bottom half, plus noise. */
    static Batch halves(SplittableRandom random, int size) {
        float[] images = new float[size * 36];
        int[] labels = new int[size];
        float[] oneHot = new float[size * 2];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(2);
            oneHot[i * 2 + labels[i]] = 1;
            for (int p = 0; p < 36; p++) {
                boolean top = p < 18;
                float signal = (top == (labels[i] == 0)) ? 0.6f : 0f;
                images[i * 36 + p] = signal + (float) random.nextDouble() * 0.8f;
            }
        }
        return new Batch(size, Shape.image(6, 6, 1), images, labels, oneHot);
    }
}
