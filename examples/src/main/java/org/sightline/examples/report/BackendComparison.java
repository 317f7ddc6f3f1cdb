package org.sightline.examples.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.sightline.train.Evaluation;
import org.sightline.train.Prediction;

/**
 * How closely backends reproduce a reference backend's predictions on the same images: for each
 * backend its accuracy and loss, the share of images whose top-1 class is the reference's, and the
 * largest difference between corresponding class probabilities. A backend that could not run is
 * kept as a failure, so that a comparison never passes by leaving a backend out.
 *
 * <pre>{@code
 * BackendComparison comparison = new BackendComparison("tensorflow", tfModel.predict(test, 256, 1));
 * comparison.add("onnx", onnxModel.evaluate(test, 256), onnxModel.predict(test, 256, 1));
 * System.out.print(comparison.table());
 * comparison.problem(0.999).ifPresent(System.err::println);
 * }</pre>
 */
public final class BackendComparison {
    private final String reference;
    private final List<Prediction> referencePredictions;
    private final List<Row> rows = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();

    /**
     * Top-1 agreement of one backend with the reference.
     *
     * @param images                    images compared
     * @param agreeing                  images whose most probable class is the reference's
     * @param maxProbabilityDifference  the largest |p − p_reference| over all images and classes
     */
    public record Agreement(int images, int agreeing, double maxProbabilityDifference) {

        /** The share of agreeing images; 1 when there are none to compare. */
        public double fraction() {
            return images == 0 ? 1 : agreeing / (double) images;
        }

        /** Compares two backends' predictions of the same images, in the same order. */
        public static Agreement between(List<Prediction> reference, List<Prediction> other) {
            if (reference.size() != other.size()) {
                throw new IllegalArgumentException("Cannot compare " + other.size() + " predictions with "
                        + reference.size() + " reference predictions: both must be of the same images");
            }
            int agreeing = 0;
            double maxDifference = 0;
            for (int i = 0; i < reference.size(); i++) {
                float[] expected = reference.get(i).probabilities();
                float[] actual = other.get(i).probabilities();
                if (expected.length != actual.length) {
                    throw new IllegalArgumentException("Prediction " + i + " has " + actual.length
                            + " class probabilities, the reference has " + expected.length);
                }
                if (reference.get(i).best().index() == other.get(i).best().index()) {
                    agreeing++;
                }
                for (int c = 0; c < expected.length; c++) {
                    // NaN must count as the worst difference, not vanish in Math.max.
                    double difference = Math.abs((double) actual[c] - expected[c]);
                    maxDifference = Double.isNaN(difference) ? Double.POSITIVE_INFINITY
                            : Math.max(maxDifference, difference);
                }
            }
            return new Agreement(reference.size(), agreeing, maxDifference);
        }
    }

    /** One backend's evaluation and its agreement with the reference. */
    public record Row(String backend, Evaluation evaluation, Agreement agreement) {
    }

    /** A backend that could not load or run the model, with the reason. */
    public record Failure(String backend, String message) {
    }

    /**
     * @param reference            the name of the backend the others are measured against
     * @param referencePredictions its predictions of the test images
     */
    public BackendComparison(String reference, List<Prediction> referencePredictions) {
        this.reference = Objects.requireNonNull(reference, "reference");
        this.referencePredictions = List.copyOf(referencePredictions);
    }

    /** Adds a backend's evaluation of the test images and its predictions of them, in order. */
    public Row add(String backend, Evaluation evaluation, List<Prediction> predictions) {
        if (evaluation.count() != referencePredictions.size()) {
            throw new IllegalArgumentException("Backend '" + backend + "' was evaluated on " + evaluation.count()
                    + " images, the reference predicted " + referencePredictions.size());
        }
        Row row = new Row(backend, evaluation, Agreement.between(referencePredictions, predictions));
        rows.add(row);
        return row;
    }

    /** Records that {@code backend} could not take part, and why. */
    public void addFailure(String backend, String message) {
        failures.add(new Failure(backend, message));
    }

    public String reference() {
        return reference;
    }

    public List<Row> rows() {
        return Collections.unmodifiableList(rows);
    }

    public List<Failure> failures() {
        return Collections.unmodifiableList(failures);
    }

    /**
     * Why the comparison fails, if it does: a backend failed, or one agrees with the reference on
     * fewer than {@code minimumAgreement} of the images (the worst one is named).
     */
    public Optional<String> problem(double minimumAgreement) {
        if (!failures.isEmpty()) {
            Failure first = failures.get(0);
            return Optional.of(failures.size() + " backend(s) could not run the model; " + first.backend() + ": "
                    + first.message());
        }
        return rows.stream().min(Comparator.comparingDouble(r -> r.agreement().fraction()))
                .filter(worst -> worst.agreement().fraction() < minimumAgreement)
                .map(worst -> String.format(Locale.ROOT,
                        "%s agrees with %s on %d of %d images (%.2f%%), below the required %.2f%%",
                        worst.backend(), reference, worst.agreement().agreeing(), worst.agreement().images(),
                        100 * worst.agreement().fraction(), 100 * minimumAgreement));
    }

    /** One line per backend: accuracy, loss, top-1 agreement with the reference, max |Δp|; then failures. */
    public String table() {
        int width = "backend".length();
        for (Row row : rows) {
            width = Math.max(width, row.backend().length());
        }
        for (Failure failure : failures) {
            width = Math.max(width, failure.backend().length());
        }
        String format = "%-" + width + "s  %8s  %8s  %22s  %12s%n";
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, format, "backend", "accuracy", "loss",
                "top-1 agreement", "max |p diff|"));
        for (Row row : rows) {
            Agreement a = row.agreement();
            s.append(String.format(Locale.ROOT, format, row.backend(),
                    String.format(Locale.ROOT, "%.4f", row.evaluation().accuracy()),
                    String.format(Locale.ROOT, "%.4f", row.evaluation().loss()),
                    String.format(Locale.ROOT, "%d/%d (%.2f%%)", a.agreeing(), a.images(), 100 * a.fraction()),
                    String.format(Locale.ROOT, "%.2e", a.maxProbabilityDifference())));
        }
        for (Failure failure : failures) {
            s.append(String.format(Locale.ROOT, "%-" + width + "s  failed: %s%n", failure.backend(), failure.message()));
        }
        return s.toString();
    }
}
