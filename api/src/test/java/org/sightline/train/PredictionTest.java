package org.sightline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PredictionTest {
    private static final float[] ROW = {0.2f, 0.5f, 0.3f};
    private static final List<String> NAMES = List.of("cat", "dog", "fox");

    @Test
    void keepsTheKMostProbableClassesBestFirst() {
        Prediction prediction = Prediction.of(ROW, NAMES, 2);
        assertEquals(List.of(new Prediction.ClassScore(1, "dog", 0.5f), new Prediction.ClassScore(2, "fox", 0.3f)),
                prediction.top());
        assertEquals("dog", prediction.best().className());
    }

    @Test
    void aTopKOutsideOneToTheClassesIsRefusedInsteadOfGivingOneClass() {
        for (int k : new int[] {0, -1, 4}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Prediction.of(ROW, NAMES, k));
            assertEquals("top-k must be in 1..3 (the classes), got " + k, e.getMessage());
        }
    }

    @Test
    void classNamesMustMatchTheProbabilities() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Prediction.of(ROW, List.of("cat", "dog"), 1));
        assertEquals("3 probabilities need as many class names, got 2", e.getMessage());
    }
}
