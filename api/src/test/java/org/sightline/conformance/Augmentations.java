package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.sightline.model.Sequential;
import org.sightline.model.Weights;
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
            // Nearest interpolation moves by round(d) pixels, d in [lower, upper) * extent.
            int[] rows = moves(t.heightLower() * input.height(), t.heightUpper() * input.height());
            int[] columns = moves(t.widthLower() * input.width(), t.widthUpper() * input.width());
            for (int dy = rows[0]; dy <= rows[1]; dy++) {
                for (int dx = columns[0]; dx <= columns[1]; dx++) {
                    int down = dy;
                    int right = dx;
                    transforms.add(x -> shift(x, input, down, right, (float) t.fillValue()));
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

    /** The one-layer model's training output on the reference, drawn from {@code seed}. */
    public static float[] trainingOutput(Sequential model, float[] images, int count, long seed) {
        float[] outputWeights = new float[count * model.outputShape().size()];
        return ReferenceTraining.lossGradients(model, Weights.builder().build(), images, count, outputWeights, true,
                seed).output();
    }

    /**
     * The properties of a random image layer on the reference, over {@code runs} seeds of {@code count}
     * examples: inference gives {@code inference} of each example, every training output
     * is one of the layer's transforms of its input, every transform occurs, and a seed gives the same
     * output again.
     *
     * @return how many times each transform was chosen
     */
    public static int[] checkRandomLayer(Layer layer, Shape input, UnaryOperator<float[]> inference, int count,
            int runs) {
        Sequential model = Sequential.of(input, layer);
        float[] images = new float[count * input.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = (i * 7919 % 1000) / 1000f + 0.001f * i; // distinct values: every transform tells apart
        }
        int outSize = model.outputShape().size();
        float[] predicted = ReferenceForwardPass.predict(model, Weights.builder().build(), images, count);
        for (int example = 0; example < count; example++) {
            float[] x = Arrays.copyOfRange(images, example * input.size(), (example + 1) * input.size());
            assertArrayEquals(inference.apply(x), Arrays.copyOfRange(predicted, example * outSize,
                    (example + 1) * outSize), 1e-5f, layer + ": inference of example " + example);
        }
        List<UnaryOperator<float[]>> transforms = transforms(layer, input);
        int[] chosen = new int[transforms.size()];
        for (long seed = 0; seed < runs; seed++) {
            float[] output = trainingOutput(model, images, count, seed);
            for (int example = 0; example < count; example++) {
                float[] x = Arrays.copyOfRange(images, example * input.size(), (example + 1) * input.size());
                float[] y = Arrays.copyOfRange(output, example * outSize, (example + 1) * outSize);
                int match = match(transforms, x, y, 0);
                assertTrue(match >= 0, layer + ", seed " + seed + ": example " + example + " is no transform of it");
                chosen[match]++;
            }
            assertArrayEquals(output, trainingOutput(model, images, count, seed), layer + ": seed " + seed
                    + " drew differently the second time");
        }
        assertTrue(Arrays.stream(chosen).allMatch(n -> n > 0), layer + ": transforms chosen " + Arrays.toString(chosen));
        return chosen;
    }

    /** The first and last whole numbers that some d in [low, high) rounds to; just round(low) when equal. */
    private static int[] moves(double low, double high) {
        int first = (int) Math.floor(low + 0.5);
        if (high == low) {
            return new int[] {first, first};
        }
        int last = first;
        while (last + 0.5 < high) {
            last++;
        }
        return new int[] {first, last};
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

    /** One NHWC image {@code x} of {@code shape} flipped left-right and/or top-bottom. */
    public static float[] flip(float[] x, Shape shape, boolean horizontal, boolean vertical) {
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

    /** {@code x} moved down {@code rows} and right {@code columns}, {@code fill} moved in. */
    public static float[] shift(float[] x, Shape shape, int rows, int columns, float fill) {
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

    /** The {@code height x width} window of {@code x} at {@code (top, left)}. */
    public static float[] crop(float[] x, Shape shape, int top, int left, int height, int width) {
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
