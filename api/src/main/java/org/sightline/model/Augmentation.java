package org.sightline.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.sightline.ops.Ops;

/**
 * The pieces the random image layers share, over {@link Ops}: one uniform draw per example (or per
 * channel), masks that select a candidate per example, and exact pixel moves (shift, flip, crop) made
 * of pad, slice and concat. Selecting with 0/1 masks is exact: each output value is one candidate's
 * value times 1 plus zeros, and the gradient reaches only the selected candidate.
 */
final class Augmentation {
    private Augmentation() {
    }

    /**
     * Uniform values in [0, 1), {@code count} per example, shaped {@code [batch, count]}, from the layer's
     * own stream. Stream 0 is never used, as for Dropout, so that seed 0 still separates layers.
     */
    static <T> T perExampleUniform(CallContext<T> context, T input, int count) {
        Ops<T> ops = context.ops();
        int rank = context.inputShape().rank();
        int[] begin = new int[rank + 1];
        int[] size = new int[rank + 1];
        Arrays.fill(size, 1);
        size[0] = -1;
        T column = ops.reshape(ops.slice(input, begin, size), 1);
        T like = count == 1 ? column : ops.concat(Collections.nCopies(count, column), 1);
        return ops.randomUniform(like, context.layerIndex() + 1);
    }

    /** Column {@code index} of a {@code [batch, n]} tensor, as {@code [batch, 1]}. */
    static <T> T column(Ops<T> ops, T values, int index) {
        return ops.slice(values, new int[] {0, index}, new int[] {-1, 1});
    }

    /** 1 where {@code low <= value < high}, else 0. */
    static <T> T within(Ops<T> ops, T value, double low, double high) {
        return ops.subtract(ops.greaterEqual(value, ops.constant((float) low)),
                ops.greaterEqual(value, ops.constant((float) high)));
    }

    /** 1 - mask. */
    static <T> T not(Ops<T> ops, T mask) {
        return ops.add(ops.negative(mask), ops.constant(1f));
    }

    /**
     * A {@code [batch, 1]} mask spread over every value of an example of {@code shape}: a product with a
     * row of ones, since element-wise operations broadcast only over trailing axes.
     */
    static <T> T spread(Ops<T> ops, T mask, Shape shape) {
        T ones = ops.constant(FloatTensor.wrap(new int[] {1, shape.size()}, ones(shape.size())));
        return ops.reshape(ops.matmul(mask, ones), shape.dims());
    }

    private static float[] ones(int n) {
        float[] values = new float[n];
        Arrays.fill(values, 1f);
        return values;
    }

    /** {@code sum_k masks[k] * candidates[k]}: with one mask 1 per example, that example's candidate. */
    static <T> T select(Ops<T> ops, List<T> masks, List<T> candidates) {
        T sum = null;
        for (int k = 0; k < masks.size(); k++) {
            T term = ops.multiply(candidates.get(k), masks.get(k));
            sum = sum == null ? term : ops.add(sum, term);
        }
        return sum;
    }

    /**
     * {@code x} moved by {@code shift} pixels along image axis {@code axis} (1: rows, down; 2: columns,
     * right), the uncovered pixels 0; a shift of the whole extent or more leaves only zeros.
     */
    static <T> T shift(Ops<T> ops, T x, int axis, int shift, int extent) {
        if (shift == 0) {
            return x;
        }
        if (Math.abs(shift) >= extent) {
            return ops.multiply(x, ops.constant(0f));
        }
        int[][] paddings = new int[4][2];
        int[] begin = new int[4];
        int[] size = {-1, -1, -1, -1};
        size[axis] = extent;
        if (shift > 0) {
            paddings[axis][0] = shift;
        } else {
            paddings[axis][1] = -shift;
            begin[axis] = -shift;
        }
        return ops.slice(ops.pad(x, paddings), begin, size);
    }

    /** {@code x} reversed along image axis {@code axis}: its one-pixel slices joined in reverse order. */
    static <T> T flip(Ops<T> ops, T x, int axis, int extent) {
        if (extent == 1) {
            return x;
        }
        List<T> slices = new ArrayList<>(extent);
        for (int i = extent - 1; i >= 0; i--) {
            int[] begin = new int[4];
            int[] size = {-1, -1, -1, -1};
            begin[axis] = i;
            size[axis] = 1;
            slices.add(ops.slice(x, begin, size));
        }
        return ops.concat(slices, axis);
    }

    /** The {@code height x width} window of NHWC {@code x} at {@code (top, left)}. */
    static <T> T crop(Ops<T> ops, T x, int top, int left, int height, int width) {
        return ops.slice(x, new int[] {0, top, left, 0}, new int[] {-1, height, width, -1});
    }
}
