package org.sightline.ops;

import java.util.List;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;

/**
 * The tensor operations that layers, losses, metrics, optimizers and constraints are written in, as
 * Keras 3's {@code keras.ops}: each of those is written once over this interface, and a backend
 * implements it with its own tensors ({@code T}: a TensorFlow operand, a traced libnd4j array, an ONNX
 * node output, a float array in the test-jar's reference). Nothing here names a backend type.
 *
 * <p>Conventions, the same on every backend:
 * <ul>
 * <li>Tensors hold float32 values. Axis 0 of a model tensor is the batch; images are NHWC, Keras's
 * layout (a backend may keep another layout inside, as long as no caller can tell).</li>
 * <li>Element-wise binary operations broadcast as NumPy does: equal shapes, a scalar, or a tensor whose
 * shape is a suffix of the other's (a bias over the last axis), or axes of size 1 (a reduction's result
 * with {@code keepDims}, as layer normalisation uses).</li>
 * <li>Axes are non-negative and count the batch axis; -1 is accepted for the last axis where a method
 * says so.</li>
 * <li>A backend may build a graph and run it many times ({@link #hyperparameter}, {@link #read}
 * and {@link #randomUniform} are what changes from run to run), or run each call at once.</li>
 * </ul>
 *
 * @param <T> the backend's tensor
 */
public interface Ops<T> {

    /** Keras's {@code backend.epsilon()}: the guard of max-norm's division and the probability clip. */
    float EPSILON = 1e-7f;

    // ---- values from outside the computation

    /** A scalar constant. */
    T constant(float value);

    /** A constant of any shape (the shape is the whole tensor's, batch axis included if it has one). */
    T constant(FloatTensor value);

    /**
     * A scalar the caller sets before each run, such as the learning rate of this step; see
     * {@code Optimizer.hyperparameters}. The same name gives the same tensor.
     */
    T hyperparameter(String name);

    /**
     * The value of variable {@code name} (a model weight such as {@code conv2d/kernel}, or an optimizer
     * slot such as {@code conv2d/kernel/m}) as the run starts. The same name gives the same tensor, which
     * is what {@link TrainingOps#gradients} differentiates with respect to.
     */
    T read(String name);

    /**
     * Sets variable {@code name} to {@code value} when the run ends its computation: reads in the same
     * run see the value before. Each variable is assigned at most once per run.
     */
    void assign(String name, T value);

    /**
     * Uniform values in [0, 1) shaped like {@code like}, fresh on every run: reproducible from the
     * backend's seed and {@code stream}, which callers make differ per use (a layer's index).
     */
    T randomUniform(T like, int stream);

    // ---- element-wise

    T add(T a, T b);

    T subtract(T a, T b);

    T multiply(T a, T b);

    T divide(T a, T b);

    /** The larger of each pair; the gradient goes to {@code a} where {@code a >= b}. */
    T maximum(T a, T b);

    /** The smaller of each pair; the gradient goes to {@code a} where {@code a <= b}. */
    T minimum(T a, T b);

    T negative(T x);

    T square(T x);

    T sqrt(T x);

    T exp(T x);

    T log(T x);

    T relu(T x);

    T sigmoid(T x);

    T tanh(T x);

    /** The Gauss error function, {@code 2 / sqrt(pi)} times the integral of {@code exp(-t^2)} from 0 to {@code x}. */
    T erf(T x);

    /** 1 where {@code a >= b}, else 0; no gradient flows through it. */
    T greaterEqual(T a, T b);

    /** 1 where {@code a == b}, else 0; no gradient flows through it. */
    T equal(T a, T b);

    /** Softmax over the last axis. */
    T softmax(T x);

    /** Log of the softmax over the last axis, computed stably. */
    T logSoftmax(T x);

    // ---- reductions

    T sum(T x, int[] axes, boolean keepDims);

    T mean(T x, int[] axes, boolean keepDims);

    T max(T x, int[] axes, boolean keepDims);

    /** Index of the largest value along {@code axis} (as a float; the first on ties); no gradient. */
    T argmax(T x, int axis);

    // ---- shapes

    /** Each example reshaped to {@code exampleShape}; the batch axis stays. Row-major, as NumPy. */
    T reshape(T x, int... exampleShape);

    /** Axes permuted: output axis {@code i} is input axis {@code permutation[i]}. */
    T transpose(T x, int... permutation);

    /** Tensors joined along {@code axis}; all other dimensions agree. */
    T concat(List<T> tensors, int axis);

    /** The block starting at {@code begin} with {@code size} values per axis (-1: to the end). */
    T slice(T x, int[] begin, int[] size);

    /** Zeros added before and after each axis: {@code paddings[axis] = {before, after}}. */
    T pad(T x, int[][] paddings);

    // ---- neural-network operations

    /** {@code [n, in] x [in, out]}. */
    T matmul(T a, T b);

    /** {@code x + bias} with {@code bias} over the last (channel) axis. */
    T biasAdd(T x, T bias);

    /**
     * 2-D convolution of NHWC {@code x} with a kernel {@code [kh, kw, in / groups, out]} (Keras layout),
     * as Keras's {@code ops.conv}: cross-correlation, 'same' padding puts the odd pixel at the end.
     */
    T conv2d(T x, T kernel, Convolution convolution);

    /** Max pooling of NHWC {@code x}; 'same' padding never selects the padding. */
    T maxPool(T x, PoolingWindow window);

    /** Average pooling of NHWC {@code x}; with 'same' padding the padding is not counted, as Keras. */
    T averagePool(T x, PoolingWindow window);

    /**
     * Batch normalisation over the last axis with the batch's own statistics: mean and biased variance
     * over every other axis. {@link Normalized#mean()} and {@link Normalized#variance()} carry no gradient.
     */
    Normalized<T> batchNormTraining(T x, T gamma, T beta, float epsilon);

    /** {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta} over the last axis. */
    T batchNormInference(T x, T gamma, T beta, T mean, T variance, float epsilon);

    /** What {@link #batchNormTraining} gives: the normalised tensor and the batch's statistics. */
    record Normalized<T>(T output, T mean, T variance) {
    }

    /**
     * The settings of a 2-D convolution.
     *
     * @param strideHeight   rows between windows, > 0
     * @param strideWidth    columns between windows, > 0
     * @param dilationHeight rows between kernel taps, > 0
     * @param dilationWidth  columns between kernel taps, > 0
     * @param groups         input and output channels split into this many independent groups, > 0
     * @param padding        'valid' or 'same'
     */
    record Convolution(int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int groups,
            Padding padding) {

        public Convolution {
            if (strideHeight <= 0 || strideWidth <= 0 || dilationHeight <= 0 || dilationWidth <= 0 || groups <= 0) {
                throw new IllegalArgumentException("Convolution strides, dilation and groups must be > 0, got strides ("
                        + strideHeight + ", " + strideWidth + "), dilation (" + dilationHeight + ", " + dilationWidth
                        + "), groups " + groups);
            }
            java.util.Objects.requireNonNull(padding, "Convolution.padding");
        }

        /** Stride 1, no dilation, one group. */
        public static Convolution of(Padding padding) {
            return new Convolution(1, 1, 1, 1, 1, padding);
        }
    }
}
