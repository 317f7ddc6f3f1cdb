package org.sightline.conformance;

import java.util.Arrays;
import org.sightline.model.FloatTensor;

/**
 * A tensor of {@link ReferenceOps}: a shape, its values row-major, and, when an operation produced it,
 * how to push a gradient back to that operation's inputs (its entry on the tape).
 *
 * <p>Values are held in double although the interface is float32: the oracle should be more exact than
 * any backend it judges, and the finite-difference checks of the operations need the extra digits.
 */
public final class ReferenceTensor {
    private final int[] shape;
    private final double[] values;
    private final Step step;

    /** How the gradient at a tensor reaches the inputs of the operation that produced it. */
    @FunctionalInterface
    interface Backward {
        /** The gradient at each input (null where none flows), given the gradient at the output. */
        double[][] apply(double[] outputGradient);
    }

    /** A tape entry; {@code order} increases with creation, so descending order is a reverse topological one. */
    record Step(long order, ReferenceTensor[] inputs, Backward backward) {
    }

    ReferenceTensor(int[] shape, double[] values, Step step) {
        if (values.length != sizeOf(shape)) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " needs " + sizeOf(shape)
                    + " values, got " + values.length);
        }
        this.shape = shape;
        this.values = values;
        this.step = step;
    }

    /** A tensor no operation produced: a gradient flows to it but not through it. */
    static ReferenceTensor leaf(int[] shape, double[] values) {
        return new ReferenceTensor(shape, values, null);
    }

    static ReferenceTensor of(FloatTensor tensor) {
        double[] values = new double[tensor.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.get(i);
        }
        return leaf(tensor.shape(), values);
    }

    static int sizeOf(int[] shape) {
        long size = 1;
        for (int d : shape) {
            size *= d;
        }
        return Math.toIntExact(size);
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

    /** Value {@code index}, row-major. */
    public double get(int index) {
        return values[index];
    }

    /** The values rounded to float32, as a backend would hold them. */
    public FloatTensor toFloatTensor() {
        float[] floats = new float[values.length];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = (float) values[i];
        }
        return FloatTensor.wrap(shape, floats);
    }

    /** The values, row-major, rounded to float32. */
    public float[] toFloatArray() {
        return toFloatTensor().toArray();
    }

    int[] shapeView() {
        return shape;
    }

    double[] valuesView() {
        return values;
    }

    Step step() {
        return step;
    }

    @Override
    public String toString() {
        return "ReferenceTensor" + Arrays.toString(shape);
    }
}
