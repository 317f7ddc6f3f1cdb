package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sightline.model.ActivationFunction.SIGMOID;
import static org.sightline.model.ActivationFunction.TANH;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Sgd;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.LossGradients;
import org.sightline.spi.ModelEngine;

/** {@code lossGradients} against central finite differences of the same engine's output, in both modes. */
class LossGradientsTest {
    private static final int COUNT = 3;
    private static final double STEP = 1e-2;
    private static final Sequential MODEL = Sequential.builder(Shape.image(4, 4, 2))
            .add(Conv2D.of(3, 2).withPadding(Padding.SAME).withActivation(TANH))
            .add(BatchNormalization.of())
            .add(AveragePooling2D.of(2))
            .add(Flatten.of())
            .add(Dense.of(2).withActivation(SIGMOID))
            .build();

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void gradientsMatchFiniteDifferencesAndChangeNothing(boolean training) {
        SplittableRandom random = new SplittableRandom(7);
        Weights start = LayerParityTest.randomWeights(MODEL, 3);
        float[] images = HandComputations.random(random, COUNT * MODEL.inputShape().size());
        float[] outputWeights = HandComputations.random(random, COUNT * MODEL.outputShape().size());
        try (ModelEngine engine = new TensorFlowBackend().createEngine(EngineRequest.training(MODEL, start,
                CompileOptions.of(new Sgd(0.1, 0.9, false)), Device.cpu(), 1))) {
            LossGradients gradients = engine.lossGradients(images, COUNT, outputWeights, training);
            assertEquals(COUNT * MODEL.outputShape().size(), gradients.output().length);

            for (int i = 0; i < images.length; i += 5) {
                float[] plus = images.clone();
                float[] minus = images.clone();
                plus[i] += (float) STEP;
                minus[i] -= (float) STEP;
                double numeric = (loss(engine, plus, outputWeights, training)
                        - loss(engine, minus, outputWeights, training)) / (2 * STEP);
                assertClose(numeric, gradients.input()[i], "input " + i);
            }
            for (ModelWeight weight : MODEL.weights()) {
                if (!weight.spec().trainable()) {
                    continue;
                }
                float[] values = start.get(weight.key()).toArray();
                float[] analytic = gradients.weights().get(weight.key()).toArray();
                assertEquals(values.length, analytic.length, weight.key());
                for (int i = 0; i < values.length; i += 3) {
                    double numeric = (lossWith(engine, start, weight, i, STEP, images, outputWeights, training)
                            - lossWith(engine, start, weight, i, -STEP, images, outputWeights, training)) / (2 * STEP);
                    assertClose(numeric, analytic[i], weight.key() + "[" + i + "]");
                }
            }
            engine.setWeights(start);
            engine.lossGradients(images, COUNT, outputWeights, training);
            for (ModelWeight weight : MODEL.weights()) {
                assertArrayEquals(start.get(weight.key()).toArray(), engine.weights().get(weight.key()).toArray(),
                        weight.key() + " must not change");
            }
            assertEquals(0, engine.optimizerState().iterations());
        }
    }

    private static double lossWith(ModelEngine engine, Weights start, ModelWeight weight, int index, double delta,
            float[] images, float[] outputWeights, boolean training) {
        Weights.Builder changed = Weights.builder();
        for (ModelWeight w : MODEL.weights()) {
            float[] values = start.get(w.key()).toArray();
            if (w.key().equals(weight.key())) {
                values[index] += (float) delta;
            }
            changed.put(w.key(), FloatTensor.of(w.spec().shape(), values));
        }
        engine.setWeights(changed.build());
        return loss(engine, images, outputWeights, training);
    }

    private static double loss(ModelEngine engine, float[] images, float[] outputWeights, boolean training) {
        float[] output = engine.lossGradients(images, COUNT, outputWeights, training).output();
        double sum = 0;
        for (int i = 0; i < output.length; i++) {
            sum += (double) output[i] * outputWeights[i];
        }
        return sum;
    }

    private static void assertClose(double numeric, float analytic, String what) {
        assertEquals(numeric, analytic, 2e-3 * Math.max(1, Math.abs(numeric)), what);
    }
}
