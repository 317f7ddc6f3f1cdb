package org.sightline.inference;

import java.io.Serializable;
import java.util.List;
import org.sightline.train.Evaluation;

/**
 * The running sums of an evaluation (loss, correct count, confusion matrix) that add up image by image
 * and merge with the sums of other images, so an evaluation split across threads or machines (one sum
 * per Spark partition, merged by a tree aggregation) ends in the same {@link Evaluation} as the
 * single-process loop, which uses this very class. Not thread-safe: one sum per worker, then
 * {@link #merge}.
 *
 * <pre>{@code
 * EvaluationSums sums = new EvaluationSums(classifier.classNames().size());
 * float[] probabilities = classifier.predictProbabilities(scaled, count);
 * for (int i = 0; i < count; i++) {
 *     sums.add(probabilities, i, labels[i]);
 * }
 * Evaluation evaluation = sums.merge(otherPartition).toEvaluation(classifier.classNames());
 * }</pre>
 */
public final class EvaluationSums implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Keras clips probabilities by this before taking the log in categorical cross-entropy. */
    private static final double PROBABILITY_EPSILON = 1e-7;

    private final int classes;
    private final long[][] confusion;
    private double lossSum;
    private long correct;
    private long count;

    /** Empty sums for a model of {@code classes} outputs. */
    public EvaluationSums(int classes) {
        if (classes <= 0) {
            throw new IllegalArgumentException("EvaluationSums.classes must be > 0, got " + classes);
        }
        this.classes = classes;
        this.confusion = new long[classes][classes];
    }

    /**
     * Adds image {@code row} of {@code probabilities} (row-major {@code [count, classes]}) whose true class
     * is {@code label}, and returns its most probable class.
     */
    public int add(float[] probabilities, int row, int label) {
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("label must be in 0.." + (classes - 1) + ", got " + label);
        }
        int predicted = argMax(probabilities, row * classes, classes);
        double p = Math.min(Math.max(probabilities[row * classes + label], PROBABILITY_EPSILON),
                1 - PROBABILITY_EPSILON);
        lossSum -= Math.log(p);
        confusion[label][predicted]++;
        if (predicted == label) {
            correct++;
        }
        count++;
        return predicted;
    }

    /** Adds {@code other}'s images to these sums and returns these sums. */
    public EvaluationSums merge(EvaluationSums other) {
        if (other.classes != classes) {
            throw new IllegalArgumentException("Cannot merge the sums of " + other.classes + " classes into sums of "
                    + classes + " classes");
        }
        lossSum += other.lossSum;
        correct += other.correct;
        count += other.count;
        for (int r = 0; r < classes; r++) {
            for (int c = 0; c < classes; c++) {
                confusion[r][c] += other.confusion[r][c];
            }
        }
        return this;
    }

    /** How many images were added. */
    public long count() {
        return count;
    }

    /** The evaluation of the images added: mean loss, accuracy (0 for none) and confusion matrix. */
    public Evaluation toEvaluation(List<String> classNames) {
        if (classNames.size() != classes) {
            throw new IllegalArgumentException("EvaluationSums of " + classes + " classes cannot be named by "
                    + classNames.size() + " class names " + classNames);
        }
        int[][] matrix = new int[classes][classes];
        for (int r = 0; r < classes; r++) {
            for (int c = 0; c < classes; c++) {
                matrix[r][c] = Math.toIntExact(confusion[r][c]);
            }
        }
        long n = Math.max(1, count);
        return new Evaluation(lossSum / n, correct / (double) n, matrix, classNames);
    }

    static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
