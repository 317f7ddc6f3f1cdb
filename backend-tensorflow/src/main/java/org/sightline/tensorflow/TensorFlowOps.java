package org.sightline.tensorflow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.ops.TrainingOps;
import org.sightline.compile.Precision;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

/**
 * The operations over one TensorFlow graph: each call adds nodes under this path's scope. Reads of a
 * variable are the graph's one read node of it; assignments are collected as ops that the path's step
 * runs, each ordered after the read of the same variable, so that the run computes with the values it
 * started with. A path built only for its gradients discards its assignments.
 */
final class TensorFlowOps implements TrainingOps<Operand<TFloat32>> {
    /** The fewest input channels a convolution computes in bfloat16 under mixed precision. */
    static final int BFLOAT16_MIN_INPUT_CHANNELS = 8;

    private final Ops tf;
    private final Function<String, ModelGraph.Variable> variables;
    private final long seed;
    private final boolean keepAssignments;
    private final Precision precision;
    private final Map<String, Placeholder<TFloat32>> hyperparameters = new LinkedHashMap<>();
    private final Map<String, Op> assignments = new LinkedHashMap<>();
    private final Map<Float, Operand<TFloat32>> scalars = new HashMap<>();

    /**
     * @param tf              the scope the path's nodes go in
     * @param variables       the graph's variable of each name; throws for a name the graph lacks
     * @param seed            the engine's seed, with each stream the seed pair of a random op
     * @param keepAssignments false for a path that must change nothing
     * @param precision       what convolutions and matrix products compute in: with
     *                        {@link Precision#MIXED_BFLOAT16} their operands are cast to bfloat16 and their result
     *                        back to float32, so weights, gradients, the optimizer and the loss stay float32
     */
    TensorFlowOps(Ops tf, Function<String, ModelGraph.Variable> variables, long seed, boolean keepAssignments,
            Precision precision) {
        this.tf = tf;
        this.variables = variables;
        this.seed = seed;
        this.keepAssignments = keepAssignments;
        this.precision = precision;
    }

    /** The path's assignments, by variable name; what its step must run. */
    List<Op> assignments() {
        return List.copyOf(assignments.values());
    }

    /** The scalars the path reads with {@link #hyperparameter}, by name, to be fed on every run. */
    Map<String, Placeholder<TFloat32>> hyperparameters() {
        return Map.copyOf(hyperparameters);
    }

    @Override
    public Operand<TFloat32> constant(float value) {
        // One node per value: layers and optimizers ask for the same few scalars many times.
        return scalars.computeIfAbsent(value, v -> tf.constant(v.floatValue()));
    }

    @Override
    public Operand<TFloat32> constant(FloatTensor value) {
        return tf.constant(ModelGraph.tensorShape(value.shape()), DataBuffers.of(value.toArray(), true, false));
    }

    @Override
    public Operand<TFloat32> hyperparameter(String name) {
        return hyperparameters.computeIfAbsent(name, n -> tf.withName(ModelGraph.flatName("hyper_" + n))
                .placeholder(TFloat32.class, Placeholder.shape(Shape.scalar())));
    }

    @Override
    public Operand<TFloat32> read(String name) {
        return variables.apply(name).read();
    }

    @Override
    public void assign(String name, Operand<TFloat32> value) {
        ModelGraph.Variable variable = variables.apply(name);
        if (assignments.containsKey(name)) {
            throw new IllegalStateException("Variable " + name + " is assigned twice in one run");
        }
        if (keepAssignments) {
            assignments.put(name, tf.withControlDependencies(List.of(variable.read()))
                    .assignVariableOp(variable.handle(), value));
        } else {
            assignments.put(name, tf.noOp());
        }
    }

    @Override
    public Operand<TFloat32> randomUniform(Operand<TFloat32> like, int stream) {
        return tf.random.randomUniform(tf.shape(like), TFloat32.class, RandomUniform.seed(seed),
                RandomUniform.seed2((long) stream));
    }

    @Override
    public Operand<TFloat32> add(Operand<TFloat32> a, Operand<TFloat32> b) {
        return tf.math.add(a, b);
    }

    @Override
    public Operand<TFloat32> subtract(Operand<TFloat32> a, Operand<TFloat32> b) {
        return tf.math.sub(a, b);
    }

    @Override
    public Operand<TFloat32> multiply(Operand<TFloat32> a, Operand<TFloat32> b) {
        return tf.math.mul(a, b);
    }

    @Override
    public Operand<TFloat32> divide(Operand<TFloat32> a, Operand<TFloat32> b) {
        return tf.math.div(a, b);
    }

    @Override
    public Operand<TFloat32> maximum(Operand<TFloat32> a, Operand<TFloat32> b) {
        // TensorFlow's gradient of Maximum goes to a where a >= b, as the interface asks.
        return tf.math.maximum(a, b);
    }

    @Override
    public Operand<TFloat32> minimum(Operand<TFloat32> a, Operand<TFloat32> b) {
        return tf.math.minimum(a, b);
    }

    @Override
    public Operand<TFloat32> negative(Operand<TFloat32> x) {
        return tf.math.neg(x);
    }

    @Override
    public Operand<TFloat32> square(Operand<TFloat32> x) {
        return tf.math.square(x);
    }

    @Override
    public Operand<TFloat32> sqrt(Operand<TFloat32> x) {
        return tf.math.sqrt(x);
    }

    @Override
    public Operand<TFloat32> exp(Operand<TFloat32> x) {
        return tf.math.exp(x);
    }

    @Override
    public Operand<TFloat32> log(Operand<TFloat32> x) {
        return tf.math.log(x);
    }

    @Override
    public Operand<TFloat32> relu(Operand<TFloat32> x) {
        return tf.nn.relu(x);
    }

    @Override
    public Operand<TFloat32> sigmoid(Operand<TFloat32> x) {
        return tf.math.sigmoid(x);
    }

    @Override
    public Operand<TFloat32> tanh(Operand<TFloat32> x) {
        return tf.math.tanh(x);
    }

    @Override
    public Operand<TFloat32> erf(Operand<TFloat32> x) {
        return tf.math.erf(x);
    }

    @Override
    public Operand<TFloat32> greaterEqual(Operand<TFloat32> a, Operand<TFloat32> b) {
        return tf.stopGradient(tf.dtypes.cast(tf.math.greaterEqual(a, b), TFloat32.class));
    }

    @Override
    public Operand<TFloat32> equal(Operand<TFloat32> a, Operand<TFloat32> b) {
        return tf.stopGradient(tf.dtypes.cast(tf.math.equal(a, b), TFloat32.class));
    }

    @Override
    public Operand<TFloat32> softmax(Operand<TFloat32> x) {
        return tf.nn.softmax(x);
    }

    @Override
    public Operand<TFloat32> logSoftmax(Operand<TFloat32> x) {
        return tf.nn.logSoftmax(x);
    }

    @Override
    public Operand<TFloat32> sum(Operand<TFloat32> x, int[] axes, boolean keepDims) {
        return tf.sum(x, tf.constant(axes), Sum.keepDims(keepDims));
    }

    @Override
    public Operand<TFloat32> mean(Operand<TFloat32> x, int[] axes, boolean keepDims) {
        return tf.math.mean(x, tf.constant(axes), Mean.keepDims(keepDims));
    }

    @Override
    public Operand<TFloat32> max(Operand<TFloat32> x, int[] axes, boolean keepDims) {
        return tf.max(x, tf.constant(axes), Max.keepDims(keepDims));
    }

    @Override
    public Operand<TFloat32> argmax(Operand<TFloat32> x, int axis) {
        return tf.stopGradient(tf.dtypes.cast(tf.math.argMax(x, tf.constant(axis)), TFloat32.class));
    }

    @Override
    public Operand<TFloat32> reshape(Operand<TFloat32> x, int... exampleShape) {
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = -1;
        for (int i = 0; i < exampleShape.length; i++) {
            shape[i + 1] = exampleShape[i];
        }
        return tf.reshape(x, tf.constant(shape));
    }

    @Override
    public Operand<TFloat32> transpose(Operand<TFloat32> x, int... permutation) {
        return tf.linalg.transpose(x, tf.constant(permutation));
    }

    @Override
    public Operand<TFloat32> concat(List<Operand<TFloat32>> tensors, int axis) {
        return tf.concat(tensors, tf.constant(axis));
    }

    @Override
    public Operand<TFloat32> slice(Operand<TFloat32> x, int[] begin, int[] size) {
        return tf.slice(x, tf.constant(begin), tf.constant(size));
    }

    @Override
    public Operand<TFloat32> pad(Operand<TFloat32> x, int[][] paddings) {
        return tf.pad(x, tf.constant(paddings), constant(0f));
    }

    @Override
    public Operand<TFloat32> matmul(Operand<TFloat32> a, Operand<TFloat32> b) {
        if (precision == Precision.MIXED_BFLOAT16) {
            return float32(tf.linalg.matMul(bfloat16(a), bfloat16(b)));
        }
        return tf.linalg.matMul(a, b);
    }

    @Override
    public Operand<TFloat32> biasAdd(Operand<TFloat32> x, Operand<TFloat32> bias) {
        return tf.nn.biasAdd(x, bias);
    }

    @Override
    public Operand<TFloat32> conv2d(Operand<TFloat32> x, Operand<TFloat32> kernel, Convolution convolution) {
        if (convolution.dilationHeight() > 1 || convolution.dilationWidth() > 1) {
            // TensorFlow 2.x's oneDNN kernel for the filter gradient of a dilated convolution aborts the process
            // (SIGILL) on CPU: the kernel is dilated with zeros between its taps instead, the same values.
            Operand<TFloat32> dilated = dilate(dilate(kernel, 0, convolution.dilationHeight()), 1,
                    convolution.dilationWidth());
            return conv2d(x, dilated, new Convolution(convolution.strideHeight(), convolution.strideWidth(), 1, 1,
                    convolution.groups(), convolution.padding()));
        }
        List<Long> strides = List.of(1L, (long) convolution.strideHeight(), (long) convolution.strideWidth(), 1L);
        Conv2d.Options dilations = Conv2d.dilations(List.of(1L, (long) convolution.dilationHeight(),
                (long) convolution.dilationWidth(), 1L));
        String padding = padding(convolution.padding());
        int groups = convolution.groups();
        if (groups == 1) {
            return singleConv2d(x, kernel, strides, padding, dilations);
        }
        // TensorFlow's CPU kernels have no grouped convolution: a depthwise op for one channel a group,
        // else one convolution per group, joined.
        int groupIn = staticDim(kernel, 2, "conv2d kernel");
        int out = staticDim(kernel, 3, "conv2d kernel");
        if (out % groups != 0 || staticDim(x, 3, "conv2d input") != groupIn * groups) {
            throw new IllegalArgumentException("conv2d with " + groups + " groups needs input channels "
                    + groupIn * groups + " and output channels divisible by " + groups + ", got input "
                    + x.shape() + " and kernel " + kernel.shape());
        }
        int groupOut = out / groups;
        if (groupIn == 1) {
            // One input channel a group is a depthwise convolution: TensorFlow's own op, whose filter
            // [kh, kw, in, multiplier] gives output channel c * multiplier + m, as the grouped kernel does.
            Operand<TFloat32> filter = tf.reshape(kernel, tf.constant(new long[] {
                staticDim(kernel, 0, "conv2d kernel"), staticDim(kernel, 1, "conv2d kernel"), groups, groupOut}));
            return tf.nn.depthwiseConv2dNative(x, filter, strides, padding);
        }
        List<Operand<TFloat32>> parts = new ArrayList<>(groups);
        List<Output<TFloat32>> inputs = tf.split(tf.constant(3), x, (long) groups).output();
        List<Output<TFloat32>> kernels = tf.split(tf.constant(3), kernel, (long) groups).output();
        for (int g = 0; g < groups; g++) {
            parts.add(singleConv2d(inputs.get(g), kernels.get(g), strides, padding, dilations));
        }
        return concat(parts, 3);
    }

    /**
     * One {@code tf.nn.conv2d}. With one input and one output channel (a depthwise convolution's groups),
     * TensorFlow 2.x's CPU gradient at the input is wrong for some strided 'same' convolutions (zeros at
     * the last row, 2x2 kernel, strides (2, 1)); with two output channels it is right, so such a kernel
     * gets a zero second filter whose output is dropped.
     */
    private Operand<TFloat32> singleConv2d(Operand<TFloat32> x, Operand<TFloat32> kernel, List<Long> strides,
            String padding, Conv2d.Options dilations) {
        if (staticDim(kernel, 2, "conv2d kernel") != 1 || staticDim(kernel, 3, "conv2d kernel") != 1) {
            if (inBfloat16(kernel)) {
                return float32(tf.nn.conv2d(bfloat16(x), bfloat16(kernel), strides, padding, dilations));
            }
            return tf.nn.conv2d(x, kernel, strides, padding, dilations);
        }
        Operand<TFloat32> twoFilters = pad(kernel, new int[][] {{0, 0}, {0, 0}, {0, 0}, {0, 1}});
        return slice(tf.nn.conv2d(x, twoFilters, strides, padding, dilations), new int[] {0, 0, 0, 0},
                new int[] {-1, -1, -1, 1});
    }

    /**
     * Whether a convolution of this kernel computes in bfloat16. One that reads fewer than
     * {@value #BFLOAT16_MIN_INPUT_CHANNELS} channels (an RGB input) stays float32: there oneDNN's bfloat16
     * kernels sent the reference CNN's loss to NaN within 31-92 steps on an AVX512-BF16 CPU, where the
     * same model with that one convolution in float32 trains (docs/performance.md), and so few channels
     * make the convolution bound by memory, not arithmetic.
     */
    private boolean inBfloat16(Operand<TFloat32> kernel) {
        return precision == Precision.MIXED_BFLOAT16
                && staticDim(kernel, 2, "conv2d kernel") >= BFLOAT16_MIN_INPUT_CHANNELS;
    }

    private Operand<TBfloat16> bfloat16(Operand<TFloat32> x) {
        return tf.dtypes.cast(x, TBfloat16.class);
    }

    private Operand<TFloat32> float32(Operand<TBfloat16> x) {
        return tf.dtypes.cast(x, TFloat32.class);
    }

    /** {@code kernel} with {@code dilation - 1} zeros after each tap but the last along {@code axis}. */
    private Operand<TFloat32> dilate(Operand<TFloat32> kernel, int axis, int dilation) {
        int taps = staticDim(kernel, axis, "conv2d kernel");
        if (dilation == 1 || taps == 1) {
            return kernel;
        }
        List<Operand<TFloat32>> parts = new ArrayList<>(taps);
        int[] begin = new int[4];
        int[] size = {-1, -1, -1, -1};
        int[][] gap = new int[4][2];
        gap[axis][1] = dilation - 1;
        for (int tap = 0; tap < taps; tap++) {
            begin[axis] = tap;
            size[axis] = 1;
            Operand<TFloat32> part = slice(kernel, begin.clone(), size.clone());
            parts.add(tap == taps - 1 ? part : pad(part, gap));
        }
        return concat(parts, axis);
    }

    @Override
    public Operand<TFloat32> maxPool(Operand<TFloat32> x, PoolingWindow window) {
        return tf.nn.maxPool(x, tf.constant(new int[] {1, window.poolHeight(), window.poolWidth(), 1}),
                tf.constant(new int[] {1, window.strideHeight(), window.strideWidth(), 1}), padding(window.padding()));
    }

    @Override
    public Operand<TFloat32> averagePool(Operand<TFloat32> x, PoolingWindow window) {
        // TensorFlow's AvgPool divides by the pixels inside the image, as Keras does.
        return tf.nn.avgPool(x, List.of(1L, (long) window.poolHeight(), (long) window.poolWidth(), 1L),
                List.of(1L, (long) window.strideHeight(), (long) window.strideWidth(), 1L), padding(window.padding()));
    }

    @Override
    public Normalized<Operand<TFloat32>> batchNormTraining(Operand<TFloat32> x, Operand<TFloat32> gamma,
            Operand<TFloat32> beta, float epsilon) {
        Operand<TFloat32> none = tf.constant(new float[0]);
        Operand<TFloat32> x4 = asImages(x);
        FusedBatchNorm<TFloat32, TFloat32> norm = tf.nn.fusedBatchNorm(x4, gamma, beta, none, none,
                FusedBatchNorm.epsilon(epsilon), FusedBatchNorm.dataFormat("NHWC"), FusedBatchNorm.isTraining(true));
        // The op reports the Bessel-corrected variance; Keras (and the interface) want the biased one.
        Operand<TFloat32> count = tf.dtypes.cast(tf.math.div(tf.size(x4), tf.constant(staticDim(x, -1, "batch norm"))),
                TFloat32.class);
        Operand<TFloat32> biased = tf.math.mulNoNan(norm.batchVariance(),
                tf.math.div(tf.math.sub(count, constant(1f)), count));
        return new Normalized<>(fromImages(norm.y(), x), tf.stopGradient(norm.batchMean()), tf.stopGradient(biased));
    }

    /**
     * {@code x * s + (beta - mean * s)} with {@code s = gamma / sqrt(variance + epsilon)}, as Keras 3 computes
     * it: oneDNN's inference-mode FusedBatchNorm took about 60% of a 256-image reference-CNN batch on this
     * project's CPU (docs/performance.md), a per-channel multiply and add a few percent.
     */
    @Override
    public Operand<TFloat32> batchNormInference(Operand<TFloat32> x, Operand<TFloat32> gamma, Operand<TFloat32> beta,
            Operand<TFloat32> mean, Operand<TFloat32> variance, float epsilon) {
        Operand<TFloat32> scale = tf.math.mul(gamma, tf.math.rsqrt(tf.math.add(variance, constant(epsilon))));
        return tf.math.add(tf.math.mul(x, scale), tf.math.sub(beta, tf.math.mul(mean, scale)));
    }

    @Override
    public List<Operand<TFloat32>> gradients(Operand<TFloat32> loss, List<Operand<TFloat32>> sources) {
        // TensorFlow refuses a source the loss cannot reach; the interface gives it zeros.
        Set<GraphOperation> ancestors = ancestors(loss);
        List<Operand<TFloat32>> reachable = sources.stream().filter(s -> ancestors.contains(s.op())).toList();
        List<Output<TFloat32>> dy = new ArrayList<>(reachable.size());
        if (!reachable.isEmpty()) {
            org.tensorflow.op.core.Gradients gradients = tf.withSubScope("gradients").gradients(loss, reachable);
            for (int i = 0; i < reachable.size(); i++) {
                dy.add(gradients.dy(i));
            }
        }
        List<Operand<TFloat32>> result = new ArrayList<>(sources.size());
        int next = 0;
        for (Operand<TFloat32> source : sources) {
            result.add(ancestors.contains(source.op()) ? dy.get(next++) : tf.zerosLike(source));
        }
        return result;
    }

    /** The ops {@code x} is computed from through data edges, itself included. */
    private static Set<GraphOperation> ancestors(Operand<TFloat32> x) {
        Set<GraphOperation> seen = new HashSet<>();
        Deque<GraphOperation> pending = new ArrayDeque<>();
        pending.push((GraphOperation) x.op());
        while (!pending.isEmpty()) {
            GraphOperation op = pending.pop();
            if (seen.add(op)) {
                for (int i = 0; i < op.numInputs(); i++) {
                    pending.push((GraphOperation) op.input(i).op());
                }
            }
        }
        return seen;
    }

    /** FusedBatchNorm takes NHWC only: other inputs are viewed as {@code [N, 1, rest, C]}. */
    private Operand<TFloat32> asImages(Operand<TFloat32> x) {
        if (x.shape().numDimensions() == 4) {
            return x;
        }
        int channels = staticDim(x, -1, "batch norm input");
        long rest = 1;
        for (int i = 1; i < x.shape().numDimensions() - 1; i++) {
            rest *= staticDim(x, i, "batch norm input");
        }
        return tf.reshape(x, tf.constant(new long[] {-1, 1, rest, channels}));
    }

    private Operand<TFloat32> fromImages(Operand<TFloat32> y, Operand<TFloat32> like) {
        if (like.shape().numDimensions() == 4) {
            return y;
        }
        long[] shape = like.shape().asArray();
        shape[0] = -1;
        return tf.reshape(y, tf.constant(shape));
    }

    /** A dimension the graph knows while building; -1 counts from the end. */
    private static int staticDim(Operand<TFloat32> x, int axis, String what) {
        Shape shape = x.shape();
        if (shape.isUnknown()) {
            throw new IllegalArgumentException(what + " needs a known rank, got " + shape);
        }
        int index = axis < 0 ? shape.numDimensions() + axis : axis;
        long size = shape.size(index);
        if (size < 0) {
            throw new IllegalArgumentException(what + " needs a known dimension " + index + ", got shape "
                    + Arrays.toString(shape.asArray()));
        }
        return Math.toIntExact(size);
    }

    private static String padding(Padding padding) {
        return padding == Padding.SAME ? "SAME" : "VALID";
    }
}
