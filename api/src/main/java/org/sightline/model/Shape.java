package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The shape of one example, without the batch dimension, as Keras prints it with a leading
 * {@code None}: an image is {@code (height, width, channels)} (NHWC), a feature vector {@code (units)}.
 *
 * <pre>{@code
 * Shape.of(32, 32, 3).toString()   // "(None, 32, 32, 3)"
 * }</pre>
 */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        checkArgument(dims.length > 0, "Shape needs at least one dimension");
        for (int i = 0; i < dims.length; i++) {
            checkArgument(dims[i] > 0, "Shape dimension %s must be > 0, got %s in %s", i, dims[i],
                    Arrays.toString(dims));
        }
        this.dims = dims.clone();
        this.size = TooManyValuesException.count(this.dims, "shape " + this, "values per example");
    }

    public static Shape of(int... dims) {
        return new Shape(dims);
    }

    /** An image shape, height × width × channels. */
    public static Shape image(int height, int width, int channels) {
        return new Shape(new int[] {height, width, channels});
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int index) {
        return dims[index];
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Number of values in one example; a shape is refused at construction if they would not fit an array. */
    public int size() {
        return size;
    }

    public boolean isImage() {
        return dims.length == 3;
    }

    public int height() {
        requireImage();
        return dims[0];
    }

    public int width() {
        requireImage();
        return dims[1];
    }

    public int channels() {
        requireImage();
        return dims[2];
    }

    private void requireImage() {
        if (!isImage()) {
            throw new IllegalStateException("Expected an image shape (height, width, channels), got " + this);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Keras's notation, batch dimension first: {@code (None, 32, 32, 3)}. */
    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(None, ", ")"));
    }
}
