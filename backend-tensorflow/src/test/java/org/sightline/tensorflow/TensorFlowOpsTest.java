package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.model.FloatTensor;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** What the operations promise beyond what the layers exercise. */
class TensorFlowOpsTest {

    @Test
    void aSourceTheLossCannotReachGetsZeros() {
        TensorFlowRuntime.start();
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            TensorFlowOps ops = new TensorFlowOps(Ops.create(graph), name -> {
                throw new IllegalArgumentException(name);
            }, 0, true);
            Operand<TFloat32> x = ops.constant(FloatTensor.of(new int[] {2}, new float[] {1, 2}));
            Operand<TFloat32> unused = ops.constant(FloatTensor.of(new int[] {3}, new float[] {4, 5, 6}));
            Operand<TFloat32> loss = ops.sum(ops.square(x), new int[] {0}, false);
            List<Operand<TFloat32>> gradients = ops.gradients(loss, List.of(x, unused));
            try (Result result = session.runner().fetch(gradients.get(0)).fetch(gradients.get(1)).run()) {
                assertArrayEquals(new float[] {2, 4}, values((TFloat32) result.get(0)));
                assertArrayEquals(new float[] {0, 0, 0}, values((TFloat32) result.get(1)));
            }
        }
    }

    private static float[] values(TFloat32 tensor) {
        float[] values = new float[(int) tensor.size()];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }
}
