package org.sightline.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sightline.examples.report.BackendComparison.Agreement;
import org.sightline.train.Evaluation;
import org.sightline.train.Prediction;

class BackendComparisonTest {
    static final List<String> CLASSES = List.of("cat", "dog", "frog");

    static Prediction prediction(float... probabilities) {
        return Prediction.of(probabilities, CLASSES, 1);
    }

    /** An evaluation of {@code n} images, all of class 0; only the count matters here. */
    static Evaluation evaluation(int n, double accuracy, double loss) {
        return new Evaluation(loss, accuracy, new int[][] {{n, 0, 0}, {0, 0, 0}, {0, 0, 0}}, CLASSES);
    }

    @Test
    void countsAgreeingTopClassesAndTheLargestProbabilityDifference() {
        List<Prediction> reference = List.of(prediction(0.7f, 0.2f, 0.1f), prediction(0.1f, 0.5f, 0.4f),
                prediction(0.2f, 0.2f, 0.6f), prediction(0.3f, 0.3f, 0.4f));
        List<Prediction> other = List.of(prediction(0.7f, 0.2f, 0.1f), prediction(0.1f, 0.44f, 0.46f),
                prediction(0.21f, 0.2f, 0.59f), prediction(0.3f, 0.3f, 0.4f));
        Agreement agreement = Agreement.between(reference, other);
        assertEquals(4, agreement.images());
        assertEquals(3, agreement.agreeing(), "image 1 flips from dog to frog");
        assertEquals(0.75, agreement.fraction());
        assertEquals(0.06, agreement.maxProbabilityDifference(), 1e-6);
    }

    @Test
    void identicalPredictionsAgreeFully() {
        List<Prediction> same = List.of(prediction(0.5f, 0.25f, 0.25f), prediction(0.1f, 0.1f, 0.8f));
        Agreement agreement = Agreement.between(same, same);
        assertEquals(1.0, agreement.fraction());
        assertEquals(0.0, agreement.maxProbabilityDifference());
        assertEquals(1.0, Agreement.between(List.of(), List.of()).fraction());
    }

    @Test
    void nanProbabilitiesAreTheWorstDifference() {
        Agreement agreement = Agreement.between(List.of(prediction(0.5f, 0.3f, 0.2f)),
                List.of(prediction(Float.NaN, 0.3f, 0.2f)));
        assertEquals(Double.POSITIVE_INFINITY, agreement.maxProbabilityDifference());
    }

    @Test
    void mismatchedPredictionsAreRejected() {
        List<Prediction> one = List.of(prediction(0.5f, 0.3f, 0.2f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Agreement.between(one, List.of()));
        assertTrue(e.getMessage().contains("0 predictions with 1 reference"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Agreement.between(one, List.of(Prediction.of(new float[] {0.5f, 0.5f}, List.of("a", "b"), 1))));
        assertTrue(e.getMessage().contains("Prediction 0 has 2 class probabilities, the reference has 3"),
                e.getMessage());
        BackendComparison comparison = new BackendComparison("tensorflow", one);
        e = assertThrows(IllegalArgumentException.class, () -> comparison.add("onnx", evaluation(5, 1, 0), one));
        assertTrue(e.getMessage().contains("'onnx' was evaluated on 5 images, the reference predicted 1"),
                e.getMessage());
    }

    @Test
    void problemNamesTheWorstBackendBelowTheThreshold() {
        List<Prediction> reference = new ArrayList<>();
        List<Prediction> flipped = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            reference.add(prediction(0.6f, 0.3f, 0.1f));
            flipped.add(i < 2 ? prediction(0.3f, 0.6f, 0.1f) : prediction(0.6f, 0.3f, 0.1f));
        }
        List<Prediction> oneFlip = new ArrayList<>(reference);
        oneFlip.set(7, prediction(0.3f, 0.6f, 0.1f));

        BackendComparison comparison = new BackendComparison("tensorflow", reference);
        comparison.add("tensorflow", evaluation(1000, 0.6, 1.0), reference);
        comparison.add("onnx", evaluation(1000, 0.6, 1.0), oneFlip);
        assertEquals(Optional.empty(), comparison.problem(0.999), "999 of 1000 is exactly 99.9%");

        comparison.add("dl4j", evaluation(1000, 0.6, 1.0), flipped);
        assertEquals(Optional.of("dl4j agrees with tensorflow on 998 of 1000 images (99.80%), below the required "
                + "99.90%"), comparison.problem(0.999));
        assertEquals(Optional.empty(), comparison.problem(0.99));
    }

    @Test
    void aFailedBackendFailsTheComparison() {
        List<Prediction> reference = List.of(prediction(0.6f, 0.3f, 0.1f));
        BackendComparison comparison = new BackendComparison("tensorflow", reference);
        comparison.add("tensorflow", evaluation(1, 1, 0.5), reference);
        comparison.addFailure("onnx-gpu", "no CUDA device");
        assertEquals(Optional.of("1 backend(s) could not run the model; onnx-gpu: no CUDA device"),
                comparison.problem(0.5));
        assertTrue(comparison.table().contains("onnx-gpu    failed: no CUDA device"), comparison.table());
    }

    @Test
    void tableHasOneAlignedLinePerBackend() {
        List<Prediction> reference = List.of(prediction(0.6f, 0.3f, 0.1f), prediction(0.25f, 0.625f, 0.125f));
        List<Prediction> close = List.of(prediction(0.6f, 0.3f, 0.1f), prediction(0.25f, 0.625f, 0.1875f));
        BackendComparison comparison = new BackendComparison("tensorflow (trained)", reference);
        comparison.add("tensorflow (trained)", evaluation(2, 0.5, 1.25), reference);
        comparison.add("onnx", evaluation(2, 0.5, 1.25), close);
        List<String> lines = comparison.table().lines().toList();
        assertEquals(3, lines.size(), comparison.table());
        assertEquals("backend               accuracy      loss         top-1 agreement  max |p diff|", lines.get(0));
        assertEquals("tensorflow (trained)    0.5000    1.2500           2/2 (100.00%)      0.00e+00", lines.get(1));
        assertEquals("onnx                    0.5000    1.2500           2/2 (100.00%)      6.25e-02", lines.get(2));
    }
}
