package org.sightline.inference;

/** Turning a classifier's logits into probabilities, where the model leaves that to its caller. */
public final class Probabilities {
    private Probabilities() {
    }

    /** Replaces each of {@code rows} rows of {@code width} logits by their softmax, computed in double. */
    public static void softmaxRows(float[] values, int offset, int rows, int width) {
        double[] exp = new double[width];
        for (int row = 0; row < rows; row++) {
            int start = offset + row * width;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < width; i++) {
                max = Math.max(max, values[start + i]);
            }
            double sum = 0;
            for (int i = 0; i < width; i++) {
                exp[i] = Math.exp(values[start + i] - max);
                sum += exp[i];
            }
            for (int i = 0; i < width; i++) {
                values[start + i] = (float) (exp[i] / sum);
            }
        }
    }
}
