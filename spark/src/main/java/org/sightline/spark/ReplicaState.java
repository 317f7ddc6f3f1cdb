package org.sightline.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sightline.model.FloatTensor;
import org.sightline.model.Weights;
import org.sightline.compile.OptimizerState;

/**
 * Everything a replica needs to continue training exactly where the driver stands, in a form Spark
 * serializes: the weights (batch-norm moving statistics included, as Keras names them) followed by the
 * optimizer's slots (Adam's moments), and the optimizer's step count. This is what a Sightline
 * checkpoint holds apart from its metadata; {@link Weights} and {@link OptimizerState} are not
 * {@link Serializable}, so the arrays travel here and are wrapped again on the other side.
 */
final class ReplicaState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String[] names;
    private final int[][] shapes;
    private final float[][] values;
    /** The first {@code weightCount} tensors are weights, the rest optimizer slots. */
    private final int weightCount;
    private final long iterations;

    ReplicaState(String[] names, int[][] shapes, float[][] values, int weightCount, long iterations) {
        this.names = names;
        this.shapes = shapes;
        this.values = values;
        this.weightCount = weightCount;
        this.iterations = iterations;
    }

    static ReplicaState of(Weights weights, OptimizerState optimizer) {
        List<String> names = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        for (Map.Entry<String, FloatTensor> e : weights.asMap().entrySet()) {
            names.add(e.getKey());
            shapes.add(e.getValue().shape());
            values.add(e.getValue().toArray());
        }
        for (Map.Entry<String, FloatTensor> e : optimizer.slots().asMap().entrySet()) {
            names.add(e.getKey());
            shapes.add(e.getValue().shape());
            values.add(e.getValue().toArray());
        }
        return new ReplicaState(names.toArray(String[]::new), shapes.toArray(int[][]::new),
                values.toArray(float[][]::new), weights.size(), optimizer.iterations());
    }

    Weights weights() {
        return collect(0, weightCount);
    }

    OptimizerState optimizerState() {
        return new OptimizerState(iterations, collect(weightCount, names.length));
    }

    private Weights collect(int from, int to) {
        Weights.Builder builder = Weights.builder();
        for (int i = from; i < to; i++) {
            builder.put(names[i], FloatTensor.of(shapes[i], values[i]));
        }
        return builder.build();
    }

    long iterations() {
        return iterations;
    }

    int tensorCount() {
        return names.length;
    }

    String name(int index) {
        return names[index];
    }

    int[] shape(int index) {
        return shapes[index];
    }

    /** The values of tensor {@code index}; the array is shared, callers only read it. */
    float[] values(int index) {
        return values[index];
    }

    int weightCount() {
        return weightCount;
    }

    /** Bytes of float data: what one copy of the state costs on the wire. */
    long byteSize() {
        long floats = 0;
        for (float[] v : values) {
            floats += v.length;
        }
        return floats * Float.BYTES;
    }

    /** Whether every weight and slot is a finite number. */
    boolean isFinite() {
        for (float[] v : values) {
            for (float x : v) {
                if (!Float.isFinite(x)) {
                    return false;
                }
            }
        }
        return true;
    }
}
