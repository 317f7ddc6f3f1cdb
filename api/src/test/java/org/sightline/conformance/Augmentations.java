package org.sightline.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.sightline.model.Layer;
import org.sightline.model.RandomCrop;
import org.sightline.model.RandomFlip;
import org.sightline.model.RandomTranslation;
import org.sightline.model.Shape;

/**
 * What a random image layer may do to one example in training, worked out in plain Java from Keras's
 * description of the layer rather than from its code: the list of transforms it chooses from. A backend's
 * random choices cannot match the reference's, so these layers are checked by that property: each output
 * is one of the transforms of its input, and (each transform being linear plus a constant) the gradient at
 * the input is that transform's adjoint applied to the output's weights.
 */
public final class Augmentations {
    private Augmentations() {
    }

    /** Whether {@code layer} chooses at random in training for {@code input}; the others are deterministic. */
    public static boolean isRandom(Layer layer, Shape input) {
        return layer instanceof RandomFlip || layer instanceof RandomTranslation
                || (layer instanceof RandomCrop crop && input.height() > crop.height() && input.width() > crop.width());
    }

    /** The transforms of one NHWC example of {@code input} that {@code layer} chooses from in training. */
    public static List<UnaryOperator<float[]>> transforms(Layer layer, Shape input) {
        List<UnaryOperator<float[]>> transforms = new ArrayList<>();
        if (layer instanceof RandomFlip flip) {
            transforms.add(x -> x.clone());
            boolean horizontal = flip.mode() != RandomFlip.Mode.VERTICAL;
            boolean vertical = flip.mode() != RandomFlip.Mode.HORIZONTAL;
            transforms.add(x -> flip(x, input, horizontal, vertical));
        } else if (layer instanceof RandomTranslation t) {
            // Nearest interpolation moves by round(d) pixels, d in [lower, upper] * extent.
            for (int dy = round(t.heightLower() * input.height()); dy <= round(t.heightUpper() * input.height()); dy++) {
                for (int dx = round(t.widthLower() * input.width()); dx <= round(t.widthUpper() * input.width()); dx++) {
                    int rows = dy;
                    int columns = dx;
                    transforms.add(x -> shift(x, input, rows, columns, (float) t.fillValue()));
                }
            }
        } else if (layer instanceof RandomCrop crop) {
            for (int top = 0; top <= input.height() - crop.height(); top++) {
                for (int left = 0; left <= input.width() - crop.width(); left++) {
                    int row = top;
                    int column = left;
                    transforms.add(x -> crop(x, input, row, column, crop.height(), crop.width()));
                }
            }
        } else {
            throw new IllegalArgumentException(layer.kerasClass() + " is not a random image layer");
        }
        return transforms;
    }

    private static int round(double d) {
        return (int) Math.floor(d + 0.5);
    }

    /** The index of the transform that gives {@code output} from {@code example}, or -1 when none does. */
    public static int match(List<UnaryOperator<float[]>> transforms, float[] example, float[] output,
            double tolerance) {
        for (int i = 0; i < transforms.size(); i++) {
            float[] candidate = transforms.get(i).apply(example);
            if (candidate.length == output.length && close(candidate, output, tolerance)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean close(float[] expected, float[] actual, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The gradient at the input of {@code sum(outputWeights * transform(x))}: for each input value i,
     * {@code sum(outputWeights * (transform(e_i) - transform(0)))}.
     */
    public static float[] adjoint(UnaryOperator<float[]> transform, int inputSize, float[] outputWeights) {
        float[] offset = transform.apply(new float[inputSize]);
        float[] gradient = new float[inputSize];
        for (int i = 0; i < inputSize; i++) {
            float[] unit = new float[inputSize];
            unit[i] = 1;
            float[] column = transform.apply(unit);
            double sum = 0;
            for (int j = 0; j < column.length; j++) {
                sum += outputWeights[j] * (column[j] - offset[j]);
            }
            gradient[i] = (float) sum;
        }
        return gradient;
    }

    private static int index(Shape shape, int row, int column, int channel) {
        return (row * shape.width() + column) * shape.channels() + channel;
    }

    static float[] flip(float[] x, Shape shape, boolean horizontal, boolean vertical) {
        float[] y = new float[x.length];
        for (int r = 0; r < shape.height(); r++) {
            for (int c = 0; c < shape.width(); c++) {
                for (int ch = 0; ch < shape.channels(); ch++) {
                    int fromRow = vertical ? shape.height() - 1 - r : r;
                    int fromColumn = horizontal ? shape.width() - 1 - c : c;
                    y[index(shape, r, c, ch)] = x[index(shape, fromRow, fromColumn, ch)];
                }
            }
        }
        return y;
    }

    static float[] shift(float[] x, Shape shape, int rows, int columns, float fill) {
        float[] y = new float[x.length];
        for (int r = 0; r < shape.height(); r++) {
            for (int c = 0; c < shape.width(); c++) {
                for (int ch = 0; ch < shape.channels(); ch++) {
                    int fromRow = r - rows;
                    int fromColumn = c - columns;
                    boolean inside = fromRow >= 0 && fromRow < shape.height() && fromColumn >= 0
                            && fromColumn < shape.width();
                    y[index(shape, r, c, ch)] = inside ? x[index(shape, fromRow, fromColumn, ch)] : fill;
                }
            }
        }
        return y;
    }

    static float[] crop(float[] x, Shape shape, int top, int left, int height, int width) {
        Shape out = Shape.image(height, width, shape.channels());
        float[] y = new float[out.size()];
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                for (int ch = 0; ch < shape.channels(); ch++) {
                    y[index(out, r, c, ch)] = x[index(shape, top + r, left + c, ch)];
                }
            }
        }
        return y;
    }
}
