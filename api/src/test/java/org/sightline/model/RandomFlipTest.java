package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sightline.conformance.Augmentations;
import org.sightline.io.KerasJson;

class RandomFlipTest {

    @ParameterizedTest
    @EnumSource(RandomFlip.Mode.class)
    void flipsSomeExamplesInTrainingAndNoneAtInference(RandomFlip.Mode mode) {
        // Over 10 seeds of 4 examples both choices occur; each seed draws the same again.
        Augmentations.checkRandomLayer(RandomFlip.of(mode), Shape.image(3, 4, 2), x -> x, 4, 10);
    }

    @Test
    void aFlipReversesColumnsOrRows() {
        // 2 x 2 x 1: 1 2 / 3 4.
        Shape image = Shape.image(2, 2, 1);
        float[] x = {1, 2, 3, 4};
        assertEquals("[2.0, 1.0, 4.0, 3.0]", Arrays.toString(Augmentations.flip(x, image, true, false)));
        assertEquals("[3.0, 4.0, 1.0, 2.0]", Arrays.toString(Augmentations.flip(x, image, false, true)));
        assertEquals("[4.0, 3.0, 2.0, 1.0]", Arrays.toString(Augmentations.flip(x, image, true, true)));
    }

    @Test
    void keepsItsShapeHasNoParametersAndNeedsAnImage() {
        Sequential model = Sequential.of(Shape.image(8, 8, 3), RandomFlip.of(RandomFlip.Mode.HORIZONTAL));
        assertEquals(Shape.image(8, 8, 3), model.outputShape());
        assertEquals(0, model.totalParams());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.of(6), new RandomFlip("flip", RandomFlip.Mode.VERTICAL)));
        assertTrue(e.getMessage().contains("RandomFlip 'flip' needs an image input"), e.getMessage());
    }

    @Test
    void aCifarAugmentationPipelineRoundTripsThroughKerasJson() {
        Sequential model = Sequential.of(Shape.image(32, 32, 3), ZeroPadding2D.of(4), RandomCrop.of(32, 32),
                RandomFlip.of(RandomFlip.Mode.HORIZONTAL), RandomTranslation.of(0.1, 0.1), Rescaling.of(1 / 255.0, 0),
                Normalization.adapted(), SpatialDropout2D.of(0.1), Cropping2D.of(1), Reshape.of(-1, 3),
                Flatten.of(), Dense.of(10).withActivation(ActivationFunction.SOFTMAX));
        assertEquals(KerasJson.modelFromJson(KerasJson.toJson(model)), model);
        // Normalization 3 + 3 + 1 non-trainable; Dense 30 * 30 * 3 * 10 + 10.
        assertEquals(7, model.nonTrainableParams());
        assertEquals(27010, model.trainableParams());
    }

    @Test
    void readsKerasDefaultModeAndRefusesAnUnknownOne() throws Exception {
        ObjectMapper json = new ObjectMapper();
        KerasConfig plain = KerasConfig.layer("m.json: layer 'f'", (ObjectNode) json.readTree("{\"name\": \"f\"}"));
        assertEquals(RandomFlip.Mode.HORIZONTAL_AND_VERTICAL, RandomFlip.fromKeras(plain, Shape.image(2, 2, 1)).mode());
        KerasConfig diagonal = KerasConfig.layer("m.json: layer 'f'",
                (ObjectNode) json.readTree("{\"name\": \"f\", \"mode\": \"diagonal\"}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RandomFlip.fromKeras(diagonal, Shape.image(2, 2, 1)));
        assertEquals("m.json: layer 'f': Unknown RandomFlip mode 'diagonal', expected horizontal, vertical or "
                + "horizontal_and_vertical", e.getMessage());
    }
}
