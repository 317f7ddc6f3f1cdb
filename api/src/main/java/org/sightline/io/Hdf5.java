package org.sightline.io;

import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfInvalidPathException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.sightline.model.FloatTensor;

/**
 * What Keras's HDF5 files need read through jhdf: string attributes in either of the encodings Keras
 * wrote over the years, and numeric datasets as float32 tensors.
 */
final class Hdf5 {
    /** The first eight bytes of every HDF5 file. */
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Hdf5() {
    }

    /**
     * A string attribute: a variable-length string (h5py 3, Keras 2.4 on), a fixed-length byte string
     * (Keras 2.0 to 2.3 through h5py 2), or a one-element array of either.
     */
    static Optional<String> string(Node node, String name, Path file) throws ModelFileException {
        Attribute attribute = node.getAttribute(name);
        if (attribute == null) {
            return Optional.empty();
        }
        String[] values = strings(attribute, file);
        if (values.length != 1) {
            throw new ModelFileException(file, node.getPath() + " attribute '" + name + "' holds " + values.length
                    + " strings, expected one");
        }
        return Optional.of(values[0]);
    }

    /** A string-list attribute ({@code layer_names}, {@code weight_names}); empty when absent. */
    static String[] strings(Node node, String name, Path file) throws ModelFileException {
        Attribute attribute = node.getAttribute(name);
        return attribute == null ? new String[0] : strings(attribute, file);
    }

    private static String[] strings(Attribute attribute, Path file) throws ModelFileException {
        if (attribute.isEmpty()) {
            return new String[0];
        }
        Object data = attribute.getData();
        if (data instanceof String text) {
            return new String[] {text};
        }
        if (data instanceof String[] texts) {
            return texts;
        }
        if (data instanceof byte[] bytes) {
            return new String[] {new String(bytes, StandardCharsets.UTF_8)};
        }
        throw new ModelFileException(file, attribute.getNode().getPath() + " attribute '" + attribute.getName()
                + "' is not a string but " + attribute.getJavaType().getSimpleName());
    }

    /** The node at {@code path} under {@code group}, if there is one. */
    static Optional<Node> find(Group group, String path) {
        try {
            return Optional.ofNullable(group.getByPath(path));
        } catch (HdfInvalidPathException e) {
            return Optional.empty();
        }
    }

    /** A numeric dataset as float32 values of the same shape; a scalar has shape {@code []}. */
    static FloatTensor tensor(Dataset dataset, Path file) throws ModelFileException {
        int[] shape = dataset.isScalar() ? new int[0] : dataset.getDimensions();
        Object data = dataset.isScalar() ? dataset.getData() : dataset.getDataFlat();
        float[] values;
        if (data instanceof float[] floats) {
            values = floats;
        } else if (data instanceof double[] doubles) {
            values = new float[doubles.length];
            for (int i = 0; i < doubles.length; i++) {
                values[i] = (float) doubles[i];
            }
        } else if (data instanceof long[] longs) {
            values = new float[longs.length];
            for (int i = 0; i < longs.length; i++) {
                values[i] = longs[i];
            }
        } else if (data instanceof int[] ints) {
            values = new float[ints.length];
            for (int i = 0; i < ints.length; i++) {
                values[i] = ints[i];
            }
        } else if (data instanceof Number number) {
            values = new float[] {number.floatValue()};
        } else {
            throw new ModelFileException(file, "dataset " + dataset.getPath() + " holds "
                    + dataset.getJavaType().getSimpleName() + " values, expected numbers");
        }
        if (values.length != Arrays.stream(shape).reduce(1, Math::multiplyExact)) {
            throw new ModelFileException(file, "dataset " + dataset.getPath() + " of shape " + Arrays.toString(shape)
                    + " holds " + values.length + " values");
        }
        return FloatTensor.of(shape, values);
    }
}
