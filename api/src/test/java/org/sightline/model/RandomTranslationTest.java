package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.Augmentations;

class RandomTranslationTest {

    @Test
    void movesEachExampleByAWholeNumberOfPixelsInRange() {
        // Height 4 * [-0.3, 0.3) rounds to -1, 0, 1 rows; width 5 * [0, 0.35) to 0, 1, 2 columns: 9 moves.
        RandomTranslation layer = new RandomTranslation(null, -0.3, 0.3, 0, 0.35, 0);
        assertEquals(9, Augmentations.transforms(layer, Shape.image(4, 5, 2)).size());
        // Width 5 * [0, 0.3) never reaches 1.5, so never rounds to 2.
        assertEquals(6, Augmentations.transforms(new RandomTranslation(null, -0.3, 0.3, 0, 0.3, 0),
                Shape.image(4, 5, 2)).size());
        // The rarest move, (-1, 2), has probability 0.29 * 0.14 = 0.04: 240 draws miss it with probability 6e-5.
        Augmentations.checkRandomLayer(layer, Shape.image(4, 5, 2), x -> x, 4, 60);
    }

    @Test
    void drawsEachMoveWithKerasProbability() {
        // d uniform in 10 * [-0.1, 0.1) = [-1, 1) rounds to -1, 0, 1 with probabilities 1/4, 1/2, 1/4.
        int[] chosen = Augmentations.checkRandomLayer(new RandomTranslation(null, -0.1, 0.1, 0, 0, 0),
                Shape.image(10, 1, 1), x -> x, 8, 100);
        double[] probability = {0.25, 0.5, 0.25};
        for (int k = 0; k < 3; k++) {
            double fraction = chosen[k] / 800.0;
            // Four standard deviations of a binomial fraction of 800 draws.
            double bound = 4 * Math.sqrt(probability[k] * (1 - probability[k]) / 800);
            assertEquals(probability[k], fraction, bound, "move " + (k - 1) + ": " + Arrays.toString(chosen));
        }
    }

    @Test
    void fillsWithItsFillValue() {
        Augmentations.checkRandomLayer(new RandomTranslation(null, 0.5, 0.5, -0.5, 0.5, 2.5), Shape.image(2, 2, 1),
                x -> x, 4, 20);
    }

    @Test
    void aMoveByHandFillsTheUncoveredPixels() {
        // 2 x 3 x 1: 1 2 3 / 4 5 6, one row down and one column left, fill 9.
        assertArrayEquals(new float[] {9, 9, 9, 2, 3, 9},
                Augmentations.shift(new float[] {1, 2, 3, 4, 5, 6}, Shape.image(2, 3, 1), 1, -1, 9), 0);
    }

    private static RandomTranslation read(String json) {
        try {
            KerasConfig config = KerasConfig.layer("m.json: layer 't'", (ObjectNode) new ObjectMapper().readTree(json));
            return RandomTranslation.fromKeras(config, Shape.image(8, 8, 3));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void refusesKerasDefaultsItCannotDoExactlyNamingTheField() {
        IllegalArgumentException reflect = assertThrows(IllegalArgumentException.class,
                () -> read("{\"height_factor\": 0.1, \"width_factor\": 0.1, \"interpolation\": \"nearest\"}"));
        assertEquals("m.json: layer 't': fill_mode 'reflect' is not supported; Sightline translates by whole pixels "
                + "with fill_mode 'constant'", reflect.getMessage());
        IllegalArgumentException bilinear = assertThrows(IllegalArgumentException.class,
                () -> read("{\"height_factor\": 0.1, \"width_factor\": 0.1, \"fill_mode\": \"constant\"}"));
        assertEquals("m.json: layer 't': interpolation 'bilinear' is not supported; Sightline translates by whole "
                + "pixels, which is interpolation 'nearest'", bilinear.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> read("{\"height_factor\": [0, 1.5], \"width_factor\": 0.1, \"fill_mode\": \"constant\", "
                        + "\"interpolation\": \"nearest\"}"));
        assertEquals("m.json: layer 't': RandomTranslation.height_factor must be within [-1, 1] with lower <= upper, "
                + "got (0.0, 1.5)", range.getMessage());
    }

    @Test
    void keepsItsShapeAndHasNoParameters() {
        Sequential model = Sequential.of(Shape.image(8, 8, 3), RandomTranslation.of(0.1, 0.1));
        assertEquals(Shape.image(8, 8, 3), model.outputShape());
        assertEquals(0, model.totalParams());
    }
}
