package org.sightline.dl4j;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.model.FloatTensor;

/** Copies between the api's {@link FloatTensor} (row-major floats) and ND4J arrays. */
final class NdArrays {
    private NdArrays() {
    }

    /** A new float array of {@code tensor}'s shape and values; the caller closes it. */
    static INDArray create(FloatTensor tensor) {
        return Nd4j.create(tensor.toArray(), Arrays.stream(tensor.shape()).asLongStream().toArray(), 'c');
    }

    /** Overwrites {@code target} in place, so that stages holding it see the new values. */
    static void copyInto(FloatTensor source, INDArray target) {
        if (!Arrays.equals(source.shape(), intShape(target))) {
            throw new IllegalArgumentException("Cannot copy a tensor of shape " + Arrays.toString(source.shape())
                    + " into an array of shape " + Arrays.toString(target.shape()));
        }
        try (INDArray values = create(source)) {
            target.assign(values);
        }
    }

    static FloatTensor toTensor(INDArray array) {
        return FloatTensor.wrap(intShape(array), toFloats(array));
    }

    /** The values in row-major order, whatever the array's ordering or view offset. */
    static float[] toFloats(INDArray array) {
        if (array.dataType() == DataType.FLOAT && array.ordering() == 'c' && !array.isView()
                && array.data().length() == array.length()) {
            return array.data().asFloat();
        }
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalStateException("Expected a float array, got " + array.dataType());
        }
        try (INDArray copy = array.dup('c')) {
            return copy.data().asFloat();
        }
    }

    static int[] intShape(INDArray array) {
        return Arrays.stream(array.shape()).mapToInt(Math::toIntExact).toArray();
    }
}
