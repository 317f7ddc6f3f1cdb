package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.compile.Precision;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.ops.Ops.Convolution;
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
            }, 0, true, Precision.FLOAT32);
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

    @Test
    void mixedBfloat16ComputesConvolutionsOfEnoughChannelsAndMatrixProductsInBfloat16() {
        TensorFlowRuntime.start();
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            TensorFlowOps ops = new TensorFlowOps(Ops.create(graph), name -> {
                throw new IllegalArgumentException(name);
            }, 0, true, Precision.MIXED_BFLOAT16);
            Operand<TFloat32> rgb = ops.constant(FloatTensor.filled(new int[] {1, 4, 4, 3}, 0.5f));
            Operand<TFloat32> wide = ops.constant(FloatTensor.filled(new int[] {1, 4, 4, 8}, 0.5f));
            Convolution same = Convolution.of(Padding.SAME);
            Operand<TFloat32> fromRgb = ops.conv2d(rgb, ops.constant(FloatTensor.filled(new int[] {3, 3, 3, 2}, 1f / 3)),
                    same);
            Operand<TFloat32> fromWide = ops.conv2d(wide, ops.constant(FloatTensor.filled(new int[] {3, 3, 8, 2}, 0.1f)),
                    same);
            Operand<TFloat32> product = ops.matmul(ops.constant(FloatTensor.filled(new int[] {2, 3}, 1.1f)),
                    ops.constant(FloatTensor.filled(new int[] {3, 1}, 1f)));
            // A bfloat16 result comes back through a cast to float32.
            assertEquals("Conv2D", fromRgb.op().type());
            assertEquals("Cast", fromWide.op().type());
            assertEquals("Cast", product.op().type());
            try (Result result = session.runner().fetch(fromRgb).fetch(fromWide).fetch(product).run()) {
                // 0.5 summed over 3x3 taps of 3 channels at 1/3 in float32: 4.5 at the centre.
                assertEquals(4.5f, values((TFloat32) result.get(0))[10], 1e-6f);
                // 0.1 is 0.10009765625 in bfloat16, and 72 taps of 0.5 times it, 3.6035, rounds to the
                // bfloat16 3.609375: float32 would give 3.6.
                assertEquals(3.609375f, values((TFloat32) result.get(1))[10], 1e-6f);
                // 1.1 is 1.1015625 in bfloat16: three of them are not float32's 3.3.
                float sum = values((TFloat32) result.get(2))[0];
                assertTrue(Math.abs(sum - 3.3f) > 1e-3 && Math.abs(sum - 3.3f) < 0.02, "sum " + sum);
            }
        }
    }

    private static float[] values(TFloat32 tensor) {
        float[] values = new float[(int) tensor.size()];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }
}
