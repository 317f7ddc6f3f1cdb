package org.sightline.model;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An immutable dense float array with a shape, row-major: the neutral form of a weight that every
 * backend converts to and from at its boundary.
 */
public final class FloatTensor {
    private final int[] shape;
    private final float[] values;

    private FloatTensor(int[] shape, float[] values) {
        long expected = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Tensor dimensions must be >= 0, got " + Arrays.toString(shape));
            }
            expected *= d;
        }
        if (expected != values.length) {
            throw new IllegalArgumentException("Tensor of shape " + Arrays.toString(shape) + " needs " + expected
                    + " values, got " + values.length);
        }
        this.shape = shape;
        this.values = values;
    }

    /** A tensor holding a copy of {@code values}. */
    public static FloatTensor of(int[] shape, float[] values) {
        return new FloatTensor(shape.clone(), values.clone());
    }

    /**
     * A tensor that takes {@code values} over without copying; the caller must not modify the array
     * afterwards. For large weights freshly produced by a backend.
     */
    public static FloatTensor wrap(int[] shape, float[] values) {
        return new FloatTensor(shape.clone(), values);
    }

    public static FloatTensor filled(int[] shape, float value) {
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        float[] values = new float[Math.toIntExact(size)];
        Arrays.fill(values, value);
        return new FloatTensor(shape.clone(), values);
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return values.length;
    }

    public float get(int index) {
        return values[index];
    }

    /** A copy of the values, row-major. */
    public float[] toArray() {
        return values.clone();
    }

    /** A read-only view of the values, row-major, without copying. */
    public FloatBuffer buffer() {
        return FloatBuffer.wrap(values).asReadOnlyBuffer();
    }

    /** Largest absolute element-wise difference to {@code other}; shapes must match. */
    public double maxAbsDifference(FloatTensor other) {
        if (!Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("Shapes differ: " + Arrays.toString(shape) + " vs "
                    + Arrays.toString(other.shape));
        }
        double max = 0;
        for (int i = 0; i < values.length; i++) {
            max = Math.max(max, Math.abs(values[i] - other.values[i]));
        }
        return max;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
