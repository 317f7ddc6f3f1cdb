package org.sightline.train;

import java.util.List;
import java.util.Locale;

/**
 * The result of {@link Model#evaluate}: mean loss, accuracy, and the confusion matrix from which
 * per-class precision and recall follow.
 *
 * @param confusion {@code confusion[label][predicted]} counts
 */
public record Evaluation(double loss, double accuracy, int[][] confusion, List<String> classNames) {

    public Evaluation {
        classNames = List.copyOf(classNames);
        if (confusion.length != classNames.size()) {
            throw new IllegalArgumentException("Confusion matrix has " + confusion.length + " rows for "
                    + classNames.size() + " classes");
        }
    }

    public int count() {
        int n = 0;
        for (int[] row : confusion) {
            for (int v : row) {
                n += v;
            }
        }
        return n;
    }

    /** Of the images predicted as {@code classIndex}, the fraction that are; 0 if none was predicted. */
    public double precision(int classIndex) {
        int predicted = 0;
        for (int[] row : confusion) {
            predicted += row[classIndex];
        }
        return predicted == 0 ? 0 : confusion[classIndex][classIndex] / (double) predicted;
    }

    /** Of the images of {@code classIndex}, the fraction predicted as such; 0 if there are none. */
    public double recall(int classIndex) {
        int actual = 0;
        for (int v : confusion[classIndex]) {
            actual += v;
        }
        return actual == 0 ? 0 : confusion[classIndex][classIndex] / (double) actual;
    }

    /** A plain-text report: accuracy, loss, per-class precision/recall, confusion matrix. */
    public String report() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "accuracy: %.4f%nloss: %.4f%n%n", accuracy, loss));
        int width = Math.max(5, classNames.stream().mapToInt(String::length).max().orElse(5));
        s.append(String.format(Locale.ROOT, "%-" + width + "s  precision  recall%n", "class"));
        for (int c = 0; c < classNames.size(); c++) {
            s.append(String.format(Locale.ROOT, "%-" + width + "s  %9.4f  %6.4f%n", classNames.get(c), precision(c),
                    recall(c)));
        }
        s.append(String.format(Locale.ROOT, "%nconfusion matrix (rows: true class, columns: predicted)%n"));
        s.append(String.format(Locale.ROOT, "%-" + width + "s", ""));
        for (int c = 0; c < classNames.size(); c++) {
            s.append(String.format(Locale.ROOT, " %5d", c));
        }
        s.append(System.lineSeparator());
        for (int r = 0; r < classNames.size(); r++) {
            s.append(String.format(Locale.ROOT, "%-" + width + "s", classNames.get(r)));
            for (int c = 0; c < classNames.size(); c++) {
                s.append(String.format(Locale.ROOT, " %5d", confusion[r][c]));
            }
            s.append(System.lineSeparator());
        }
        return s.toString();
    }
}
