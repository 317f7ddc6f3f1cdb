package org.sightline.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.TanhDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.same.Negative;
import org.nd4j.linalg.api.ops.impl.transforms.same.Square;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.api.ops.random.impl.UniformDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.ops.TrainingOps;

/**
 * {@link TrainingOps} over libnd4j that traces: every call allocates its output array once and appends
 * a stage computing it, and {@link #run()} executes the stages in order, as often as the caller likes.
 * The computation the api writes once (a model's forward pass, a loss, a training step with its
 * optimizer) thus becomes a program for one batch size that allocates nothing when it runs, as a
 * workspace would. {@link #gradients} appends the backward stages (libnd4j's {@code *_bp} operations
 * where they exist, element-wise arithmetic traced through these same operations elsewhere), and
 * {@link #assign} appends a copy into the variable that runs after every other stage, so each stage
 * reads the value the variable had as the run started.
 *
 * <p>A program that never differentiates can overwrite: traced once to learn which operation reads
 * each array last ({@link #overwritePlan}), the same computation traced again with that plan lets an
 * element-wise operation write into its input when nothing reads the input afterwards, as an
 * inference pass applies activations and batch-norm in place. Fewer arrays then pass through memory.
 *
 * <p>Images stay NHWC, Keras's layout, which libnd4j's convolution and pooling take directly. Arrays
 * returned by an operation must not be written by the caller, except the ones {@link #input} gives,
 * which the caller fills before each run. Not thread-safe: one program serves one call at a time.
 */
final class Dl4jOps implements TrainingOps<INDArray>, AutoCloseable {
    private static final int KERNEL_YXIO = 0;
    private static final int NHWC = 1;
    private static final int EXCLUDE_PADDING = 0;

    private final Map<String, INDArray> variables;
    private final IntFunction<Random> generators;
    private final boolean keepAssignments;
    /** For each computed array, by the ordinal of the node computing it: the ordinal of its last reader. */
    private final Map<Integer, Integer> overwritable;
    private final Map<String, INDArray> hyperparameters = new LinkedHashMap<>();
    private final Map<String, INDArray> assigned = new LinkedHashMap<>();
    private final List<Runnable> stages = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<INDArray, Node> producers = new IdentityHashMap<>();
    private final List<INDArray> owned = new ArrayList<>();
    /** Tensors a stage or a view reads. */
    private final Set<INDArray> consumed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Convolutions without a bias, by output: a bias added before anything reads them fuses in. */
    private final Map<INDArray, Convolved> unbiased = new IdentityHashMap<>();
    /** Outputs of convolutions whose bias fused in: their stage runs only if something reads them after all. */
    private final Map<INDArray, Runnable> deferred = new IdentityHashMap<>();
    /** Arrays a stage of this program writes, with the ordinal of the node computing each. */
    private final Map<INDArray, Integer> computedBy = new IdentityHashMap<>();
    /** Views, with the array whose memory each shows: reading a view reads that array. */
    private final Map<INDArray, INDArray> viewed = new IdentityHashMap<>();
    /** The ordinal of the last node reading each array; {@link Integer#MAX_VALUE} for those the caller keeps. */
    private final Map<INDArray, Integer> lastReader = new IdentityHashMap<>();

    /** How an operation turns the gradient at its output into gradients at the inputs that need one. */
    @FunctionalInterface
    private interface Backward {
        /** @return one gradient per input, null where {@code needed} is false */
        INDArray[] apply(INDArray gradient, boolean[] needed);
    }

    private record Node(INDArray output, INDArray[] inputs, Backward backward) {
    }

    private record Convolved(INDArray input, INDArray kernel, int[] args, Runnable stage) {
    }

    /**
     * @param variables       the arrays {@link #read} gives by name and {@link #assign} overwrites; the
     *                        caller owns them
     * @param generators      the generator of each random stream, owned by the caller, shared by the
     *                        programs it builds so that each run draws fresh values
     * @param keepAssignments false to compute assigned values without writing any variable
     */
    Dl4jOps(Map<String, INDArray> variables, IntFunction<Random> generators, boolean keepAssignments) {
        this(variables, generators, keepAssignments, null);
    }

    /**
     * A program that lets element-wise operations overwrite inputs nothing reads afterwards, as
     * {@code plan} (from {@link #overwritePlan} of a program tracing the same computation) says. Such a
     * program cannot differentiate.
     */
    Dl4jOps(Map<String, INDArray> variables, IntFunction<Random> generators, boolean keepAssignments,
            Map<Integer, Integer> plan) {
        this.variables = variables;
        this.generators = generators;
        this.keepAssignments = keepAssignments;
        this.overwritable = plan;
    }

    /** Marks arrays the caller reads after a run, such as the output: no operation overwrites them. */
    void keep(INDArray... arrays) {
        for (INDArray array : arrays) {
            lastReader.put(memoryOf(array), Integer.MAX_VALUE);
        }
    }

    /**
     * What this trace learnt for tracing the same computation again with overwriting: for each array a
     * stage computes, the ordinal of the node computing it and of the last node reading it (none: -1).
     * Call after {@link #keep}ing the outputs.
     */
    Map<Integer, Integer> overwritePlan() {
        Map<Integer, Integer> plan = new HashMap<>();
        computedBy.forEach((array, node) -> plan.put(node, lastReader.getOrDefault(array, -1)));
        return plan;
    }

    /** An array the caller fills before each run, such as a batch of images; a valid gradient source. */
    INDArray input(long... shape) {
        return allocate(shape);
    }

    /** Sets every hyperparameter the program reads; {@code values} must name each of them. */
    void setHyperparameters(Map<String, Float> values) {
        hyperparameters.forEach((name, array) -> {
            Float value = values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("No value for hyperparameter '" + name + "', got " + values.keySet());
            }
            array.assign(value);
        });
    }

    /** Runs the program: every stage in order, then the assignments in the order they were made. */
    void run() {
        for (Runnable stage : stages) {
            stage.run();
        }
        if (keepAssignments) {
            assigned.forEach((name, value) -> variables.get(name).assign(value));
        }
    }

    @Override
    public void close() {
        owned.forEach(INDArray::close);
        owned.clear();
        stages.clear();
        nodes.clear();
        producers.clear();
        consumed.clear();
        unbiased.clear();
        deferred.clear();
        computedBy.clear();
        viewed.clear();
        lastReader.clear();
    }

    // ---- values from outside the computation

    @Override
    public INDArray constant(float value) {
        return own(Nd4j.scalar(value));
    }

    @Override
    public INDArray constant(FloatTensor value) {
        return own(NdArrays.create(value));
    }

    @Override
    public INDArray hyperparameter(String name) {
        return hyperparameters.computeIfAbsent(name, n -> own(Nd4j.scalar(0f)));
    }

    @Override
    public INDArray read(String name) {
        INDArray variable = variables.get(name);
        if (variable == null) {
            throw new IllegalArgumentException("No variable '" + name + "'; known: " + variables.keySet());
        }
        return variable;
    }

    @Override
    public void assign(String name, INDArray value) {
        INDArray variable = read(name);
        if (!Arrays.equals(variable.shape(), value.shape())) {
            throw new IllegalArgumentException("Cannot assign a value of shape " + Arrays.toString(value.shape())
                    + " to variable '" + name + "' of shape " + Arrays.toString(variable.shape()));
        }
        if (assigned.putIfAbsent(name, value) != null) {
            throw new IllegalStateException("Variable '" + name + "' is assigned twice in one run");
        }
    }

    @Override
    public INDArray randomUniform(INDArray like, int stream) {
        Random random = generators.apply(stream);
        INDArray out = allocate(like.shape());
        UniformDistribution draw = new UniformDistribution(out, 0, 1);
        return emit(out, () -> Nd4j.getExecutioner().exec(draw, random), null);
    }

    // ---- element-wise

    @Override
    public INDArray add(INDArray a, INDArray b) {
        return broadcast("add", a, b, (g, needed) -> new INDArray[] {needed[0] ? unbroadcast(g, a) : null,
                needed[1] ? unbroadcast(g, b) : null});
    }

    @Override
    public INDArray subtract(INDArray a, INDArray b) {
        return broadcast("subtract", a, b, (g, needed) -> new INDArray[] {needed[0] ? unbroadcast(g, a) : null,
                needed[1] ? unbroadcast(negative(g), b) : null});
    }

    @Override
    public INDArray multiply(INDArray a, INDArray b) {
        return broadcast("multiply", a, b, (g, needed) -> new INDArray[] {
                needed[0] ? unbroadcast(multiply(g, b), a) : null, needed[1] ? unbroadcast(multiply(g, a), b) : null});
    }

    @Override
    public INDArray divide(INDArray a, INDArray b) {
        INDArray[] out = new INDArray[1];
        out[0] = broadcast("divide", a, b, (g, needed) -> {
            INDArray ga = needed[0] || needed[1] ? divide(g, b) : null;
            return new INDArray[] {needed[0] ? unbroadcast(ga, a) : null,
                    needed[1] ? unbroadcast(negative(multiply(ga, out[0])), b) : null};
        });
        return out[0];
    }

    @Override
    public INDArray maximum(INDArray a, INDArray b) {
        return selectBetween("maximum", a, b, false);
    }

    @Override
    public INDArray minimum(INDArray a, INDArray b) {
        return selectBetween("minimum", a, b, true);
    }

    /** Maximum or minimum: the gradient goes to {@code a} where it was chosen (ties included), else to b. */
    private INDArray selectBetween(String op, INDArray a, INDArray b, boolean minimum) {
        return broadcast(op, a, b, (g, needed) -> {
            INDArray toA = minimum ? greaterEqual(b, a) : greaterEqual(a, b);
            INDArray ga = multiply(g, toA);
            return new INDArray[] {needed[0] ? unbroadcast(ga, a) : null,
                    needed[1] ? unbroadcast(subtract(g, ga), b) : null};
        });
    }

    @Override
    public INDArray negative(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new Negative(x, out), out, x, (g, needed) -> new INDArray[] {negative(g)});
    }

    @Override
    public INDArray square(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new Square(x, out), out, x,
                (g, needed) -> new INDArray[] {multiply(g, multiply(x, constant(2f)))});
    }

    @Override
    public INDArray sqrt(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new Sqrt(x, out), out, x,
                (g, needed) -> new INDArray[] {divide(g, multiply(out, constant(2f)))});
    }

    @Override
    public INDArray exp(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new Exp(x, out), out, x, (g, needed) -> new INDArray[] {multiply(g, out)});
    }

    @Override
    public INDArray log(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new Log(x, out), out, x, (g, needed) -> new INDArray[] {divide(g, x)});
    }

    @Override
    public INDArray relu(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new RectifiedLinear(x, out, 0.0), out, x, (g, needed) -> {
            INDArray gx = allocate(x.shape());
            return new INDArray[] {custom(new RectifiedLinearDerivative(x, g, gx, 0.0), gx)};
        });
    }

    @Override
    public INDArray sigmoid(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new Sigmoid(x, out), out, x, (g, needed) -> {
            INDArray gx = allocate(x.shape());
            return new INDArray[] {custom(new SigmoidDerivative(x, g, gx), gx)};
        });
    }

    @Override
    public INDArray tanh(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        return legacy(new Tanh(x, out), out, x, (g, needed) -> {
            INDArray gx = allocate(x.shape());
            return new INDArray[] {custom(new TanhDerivative(x, g, gx), gx)};
        });
    }

    @Override
    public INDArray erf(INDArray x) {
        INDArray out = allocate(x.shape());
        // libnd4j has no erf_bp: d erf(x) / dx = 2 / sqrt(pi) * exp(-x^2).
        return legacy(new Erf(x, out), out, x, (g, needed) -> new INDArray[] {
            multiply(g, multiply(exp(negative(square(x))), constant((float) (2 / Math.sqrt(Math.PI)))))});
    }

    @Override
    public INDArray greaterEqual(INDArray a, INDArray b) {
        return compare("greater_equal", a, b);
    }

    @Override
    public INDArray equal(INDArray a, INDArray b) {
        return compare("equals", a, b);
    }

    /** libnd4j's comparisons give booleans: compared into a boolean array, then converted to 0 and 1. */
    private INDArray compare(String op, INDArray a, INDArray b) {
        long[] shape = broadcastShape(a, b);
        INDArray flags = own(Nd4j.createUninitialized(DataType.BOOL, shape));
        INDArray out = allocate(shape);
        CustomOp compare = customOp(op, new INDArray[] {a, b}, new INDArray[] {flags});
        return emit(out, () -> {
            Nd4j.exec(compare);
            out.assign(flags);
        }, null, a, b);
    }

    @Override
    public INDArray softmax(INDArray x) {
        INDArray out = overwriteOrAllocate(x, x.shape());
        int axis = x.rank() - 1;
        return custom(new SoftMax(x, out, axis), out, x, (g, needed) -> {
            INDArray gx = allocate(x.shape());
            return new INDArray[] {custom(new SoftmaxBp(x, g, gx, axis), gx)};
        });
    }

    @Override
    public INDArray logSoftmax(INDArray x) {
        INDArray out = allocate(x.shape());
        int last = x.rank() - 1;
        return custom(customOp("log_softmax", new INDArray[] {x}, new INDArray[] {out}, last), out, x,
                (g, needed) -> new INDArray[] {subtract(g, multiply(exp(out), sum(g, new int[] {last}, true)))});
    }

    // ---- reductions

    @Override
    public INDArray sum(INDArray x, int[] axes, boolean keepDims) {
        int[] reduced = axes(x, axes);
        Backward backward = (g, needed) -> new INDArray[] {expand(g, x, reduced)};
        long[] shape = reducedShape(x, reduced, keepDims);
        if (isLeading(reduced) && reduced.length < x.rank() && isDense(x)) {
            // Over leading axes (a bias's or a kernel's column sums), libnd4j's reduction strides through
            // memory; a product with a row of ones is one GEMM, several times faster on activations.
            long rows = 1;
            for (int axis : reduced) {
                rows *= x.size(axis);
            }
            INDArray matrix = x.reshape('c', rows, x.length() / rows);
            INDArray ones = own(Nd4j.ones(DataType.FLOAT, 1, rows));
            INDArray row = allocate(1, x.length() / rows);
            INDArray out = row.reshape('c', shape);
            return emit(out, () -> Nd4j.gemm(ones, matrix, row, false, false, 1.0, 0.0), backward, x);
        }
        INDArray out = allocate(shape);
        INDArray target = reducedView(x, reduced, out);
        return emit(out, () -> x.sum(target, reduced), backward, x);
    }

    private static boolean isLeading(int[] sortedAxes) {
        for (int i = 0; i < sortedAxes.length; i++) {
            if (sortedAxes[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code x} is its whole buffer in row-major order, so that any reshape of it is a view. */
    private static boolean isDense(INDArray x) {
        return x.ordering() == 'c' && x.length() == x.data().length() && x.offset() == 0
                && x.elementWiseStride() == 1;
    }

    @Override
    public INDArray mean(INDArray x, int[] axes, boolean keepDims) {
        int[] reduced = axes(x, axes);
        long count = 1;
        for (int axis : reduced) {
            count *= x.size(axis);
        }
        return multiply(sum(x, axes, keepDims), constant(1f / count));
    }

    @Override
    public INDArray max(INDArray x, int[] axes, boolean keepDims) {
        int[] reduced = axes(x, axes);
        INDArray out = allocate(reducedShape(x, reduced, keepDims));
        Max max = new Max(x, reducedView(x, reduced, out), reduced);
        return legacy(max, out, x, (g, needed) -> {
            // As TensorFlow: ties share the gradient equally.
            INDArray chosen = equal(x, expand(out, x, reduced));
            INDArray share = divide(expand(g, x, reduced), expand(sum(chosen, reduced, keepDims), x, reduced));
            return new INDArray[] {multiply(share, chosen)};
        });
    }

    @Override
    public INDArray argmax(INDArray x, int axis) {
        int a = axis == -1 ? x.rank() - 1 : axis;
        long[] shape = reducedShape(x, new int[] {a}, false);
        INDArray indices = own(Nd4j.createUninitialized(DataType.INT64, shape));
        INDArray out = allocate(shape);
        CustomOp argmax = customOp("argmax", new INDArray[] {x}, new INDArray[] {indices}, a);
        return emit(out, () -> {
            Nd4j.exec(argmax);
            out.assign(indices);
        }, null, x);
    }

    // ---- shapes

    @Override
    public INDArray reshape(INDArray x, int... exampleShape) {
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = x.size(0);
        for (int i = 0; i < exampleShape.length; i++) {
            shape[i + 1] = exampleShape[i];
        }
        return reshapeTo(x, shape);
    }

    /** {@code x} in {@code shape}: a view when the values need no reordering, else a copying stage. */
    private INDArray reshapeTo(INDArray x, long[] shape) {
        if (Arrays.equals(x.shape(), shape)) {
            return x;
        }
        Backward backward = (g, needed) -> new INDArray[] {reshapeTo(g, x.shape())};
        if (isDense(x)) {
            INDArray view = x.reshape('c', shape);
            // A view computes nothing: the node only carries the gradient back through the reshape.
            return emit(view, null, backward, x);
        }
        INDArray out = allocate(shape);
        return emit(out, () -> out.assign(x.reshape('c', shape)), backward, x);
    }

    @Override
    public INDArray transpose(INDArray x, int... permutation) {
        int[] inverse = new int[permutation.length];
        long[] shape = new long[permutation.length];
        for (int i = 0; i < permutation.length; i++) {
            inverse[permutation[i]] = i;
            shape[i] = x.size(permutation[i]);
        }
        INDArray out = allocate(shape);
        INDArray permuted = x.permute(permutation);
        return emit(out, () -> out.assign(permuted), (g, needed) -> new INDArray[] {transpose(g, inverse)}, x);
    }

    @Override
    public INDArray concat(List<INDArray> tensors, int axis) {
        INDArray[] inputs = tensors.toArray(INDArray[]::new);
        long[] shape = inputs[0].shape().clone();
        for (int i = 1; i < inputs.length; i++) {
            shape[axis] += inputs[i].size(axis);
        }
        INDArray out = allocate(shape);
        return custom(customOp("concat", inputs, new INDArray[] {out}, axis), out, inputs, (g, needed) -> {
            INDArray[] grads = new INDArray[inputs.length];
            int[] begin = new int[g.rank()];
            for (int i = 0; i < inputs.length; i++) {
                if (needed[i]) {
                    int[] size = intShape(inputs[i]);
                    grads[i] = slice(g, begin.clone(), size);
                }
                begin[axis] += (int) inputs[i].size(axis);
            }
            return grads;
        });
    }

    @Override
    public INDArray slice(INDArray x, int[] begin, int[] size) {
        long[] shape = new long[x.rank()];
        INDArrayIndex[] block = new INDArrayIndex[x.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = size[i] == -1 ? x.size(i) - begin[i] : size[i];
            block[i] = NDArrayIndex.interval(begin[i], begin[i] + shape[i]);
        }
        INDArray out = allocate(shape);
        INDArray source = x.get(block);
        return emit(out, () -> out.assign(source), (g, needed) -> {
            int[][] paddings = new int[x.rank()][];
            for (int i = 0; i < paddings.length; i++) {
                paddings[i] = new int[] {begin[i], (int) (x.size(i) - begin[i] - shape[i])};
            }
            return new INDArray[] {pad(g, paddings)};
        }, x);
    }

    @Override
    public INDArray pad(INDArray x, int[][] paddings) {
        long[] shape = new long[x.rank()];
        INDArrayIndex[] block = new INDArrayIndex[x.rank()];
        int[] begin = new int[x.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = x.size(i) + paddings[i][0] + paddings[i][1];
            block[i] = NDArrayIndex.interval(paddings[i][0], paddings[i][0] + x.size(i));
            begin[i] = paddings[i][0];
        }
        INDArray out = allocate(shape);
        INDArray inside = out.get(block);
        return emit(out, () -> {
            out.assign(0);
            inside.assign(x);
        }, (g, needed) -> new INDArray[] {slice(g, begin, intShape(x))}, x);
    }

    // ---- neural-network operations

    @Override
    public INDArray matmul(INDArray a, INDArray b) {
        INDArray out = allocate(a.size(0), b.size(1));
        return emit(out, () -> Nd4j.gemm(a, b, out, false, false, 1.0, 0.0), (g, needed) -> {
            INDArray ga = null;
            INDArray gb = null;
            if (needed[0]) {
                INDArray gaOut = allocate(a.shape());
                ga = emit(gaOut, () -> Nd4j.gemm(g, b, gaOut, false, true, 1.0, 0.0), null, g, b);
            }
            if (needed[1]) {
                INDArray gbOut = allocate(b.shape());
                gb = emit(gbOut, () -> Nd4j.gemm(a, g, gbOut, true, false, 1.0, 0.0), null, a, g);
            }
            return new INDArray[] {ga, gb};
        }, a, b);
    }

    @Override
    public INDArray biasAdd(INDArray x, INDArray bias) {
        Convolved convolution = unbiased.remove(x);
        if (convolution == null || consumed.contains(x) || stages.isEmpty()
                || stages.get(stages.size() - 1) != convolution.stage() || bias.rank() != 1) {
            return add(x, bias);
        }
        // libnd4j adds the bias inside conv2d and sums its gradient inside conv2d_bp: the separate
        // passes over the activation and its gradient are saved. Nothing has read x yet; should
        // anything later, x's own stage runs then (see consume).
        stages.remove(stages.size() - 1);
        deferred.put(x, convolution.stage());
        INDArray[] inputs = {convolution.input(), convolution.kernel(), bias};
        int[] args = convolution.args();
        INDArray out = allocate(x.shape());
        return custom(customOp("conv2d", inputs, new INDArray[] {out}, args), out, inputs, (g, needed) -> {
            INDArray gx = allocate(inputs[0].shape());
            INDArray gk = allocate(inputs[1].shape());
            INDArray gb = allocate(bias.shape());
            stage(customOp("conv2d_bp", new INDArray[] {inputs[0], inputs[1], bias, g}, new INDArray[] {gx, gk, gb},
                    args));
            return new INDArray[] {gx, gk, gb};
        });
    }

    @Override
    public INDArray conv2d(INDArray x, INDArray kernel, Convolution convolution) {
        boolean depthwise = convolution.groups() > 1 && kernel.size(2) == 1;
        if (convolution.groups() > 1 && !depthwise) {
            return groupedConv2d(x, kernel, convolution);
        }
        long kh = kernel.size(0);
        long kw = kernel.size(1);
        boolean same = convolution.padding() == Padding.SAME;
        if (convolution.dilationHeight() > 1 || convolution.dilationWidth() > 1) {
            // libnd4j 1.0.0-M2.1 finds no oneDNN primitive for a dilated convolution: the kernel is
            // dilated with zeros between its taps instead, which computes the same values.
            INDArray dilated = dilate(dilate(kernel, 0, convolution.dilationHeight()), 1, convolution.dilationWidth());
            return conv2d(x, dilated, new Convolution(convolution.strideHeight(), convolution.strideWidth(), 1, 1,
                    convolution.groups(), convolution.padding()));
        }
        long height = outputLength(x.size(1), (kh - 1) * convolution.dilationHeight() + 1,
                convolution.strideHeight(), same);
        long width = outputLength(x.size(2), (kw - 1) * convolution.dilationWidth() + 1,
                convolution.strideWidth(), same);
        int[] args = {(int) kh, (int) kw, convolution.strideHeight(), convolution.strideWidth(), 0, 0,
            convolution.dilationHeight(), convolution.dilationWidth(), same ? 1 : 0, NHWC, KERNEL_YXIO};
        INDArray out = allocate(x.size(0), height, width, kernel.size(3));
        if (depthwise) {
            // One input channel a group: libnd4j's depthwise convolution, whose filter [kh, kw, in,
            // multiplier] gives output channel c * multiplier + m, as the grouped kernel does.
            INDArray filter = reshapeTo(kernel, new long[] {kh, kw, convolution.groups(),
                kernel.size(3) / convolution.groups()});
            return custom(customOp("depthwise_conv2d", new INDArray[] {x, filter}, new INDArray[] {out}, args), out,
                    new INDArray[] {x, filter}, (g, needed) -> {
                        INDArray gx = allocate(x.shape());
                        INDArray gf = allocate(filter.shape());
                        stage(customOp("depthwise_conv2d_bp", new INDArray[] {x, filter, g}, new INDArray[] {gx, gf},
                                args));
                        return new INDArray[] {gx, gf};
                    });
        }
        custom(customOp("conv2d", new INDArray[] {x, kernel}, new INDArray[] {out}, args), out,
                new INDArray[] {x, kernel}, (g, needed) -> {
                    // conv2d_bp computes both gradients in one call; the one not needed is never read.
                    INDArray gx = allocate(x.shape());
                    INDArray gk = allocate(kernel.shape());
                    stage(customOp("conv2d_bp", new INDArray[] {x, kernel, g}, new INDArray[] {gx, gk}, args));
                    return new INDArray[] {gx, gk};
                });
        unbiased.put(out, new Convolved(x, kernel, args, stages.get(stages.size() - 1)));
        return out;
    }

    /** {@code kernel} with {@code dilation - 1} zeros between its taps along {@code axis}. */
    private INDArray dilate(INDArray kernel, int axis, int dilation) {
        if (dilation == 1 || kernel.size(axis) == 1) {
            return kernel;
        }
        int[] gapShape = intShape(kernel);
        gapShape[axis] = dilation - 1;
        INDArray gap = constant(FloatTensor.filled(gapShape, 0f));
        List<INDArray> parts = new ArrayList<>();
        for (int tap = 0; tap < kernel.size(axis); tap++) {
            if (tap > 0) {
                parts.add(gap);
            }
            int[] begin = new int[kernel.rank()];
            int[] size = {-1, -1, -1, -1};
            begin[axis] = tap;
            size[axis] = 1;
            parts.add(slice(kernel, begin, size));
        }
        return concat(parts, axis);
    }

    /** libnd4j's conv2d has no groups: each group convolved on its own, the outputs concatenated. */
    private INDArray groupedConv2d(INDArray x, INDArray kernel, Convolution convolution) {
        int groups = convolution.groups();
        int in = (int) kernel.size(2);
        int out = (int) kernel.size(3) / groups;
        Convolution single = new Convolution(convolution.strideHeight(), convolution.strideWidth(),
                convolution.dilationHeight(), convolution.dilationWidth(), 1, convolution.padding());
        List<INDArray> outputs = new ArrayList<>(groups);
        for (int group = 0; group < groups; group++) {
            INDArray part = slice(x, new int[] {0, 0, 0, group * in}, new int[] {-1, -1, -1, in});
            INDArray filters = slice(kernel, new int[] {0, 0, 0, group * out}, new int[] {-1, -1, -1, out});
            outputs.add(conv2d(part, filters, single));
        }
        return concat(outputs, 3);
    }

    @Override
    public INDArray maxPool(INDArray x, PoolingWindow window) {
        return pool("maxpool2d", x, window);
    }

    @Override
    public INDArray averagePool(INDArray x, PoolingWindow window) {
        return pool("avgpool2d", x, window);
    }

    private INDArray pool(String op, INDArray x, PoolingWindow window) {
        boolean same = window.padding() == Padding.SAME;
        int[] args = {window.poolHeight(), window.poolWidth(), window.strideHeight(), window.strideWidth(), 0, 0, 1,
            1, same ? 1 : 0, EXCLUDE_PADDING, NHWC};
        INDArray out = allocate(x.size(0), outputLength(x.size(1), window.poolHeight(), window.strideHeight(), same),
                outputLength(x.size(2), window.poolWidth(), window.strideWidth(), same), x.size(3));
        return custom(customOp(op, new INDArray[] {x}, new INDArray[] {out}, args), out, new INDArray[] {x},
                (g, needed) -> {
                    INDArray gx = allocate(x.shape());
                    stage(customOp(op + "_bp", new INDArray[] {x, g}, new INDArray[] {gx}, args));
                    return new INDArray[] {gx};
                });
    }

    @Override
    public Normalized<INDArray> batchNormTraining(INDArray x, INDArray gamma, INDArray beta, float epsilon) {
        int channelAxis = x.rank() - 1;
        int[] reduce = new int[channelAxis];
        for (int i = 0; i < reduce.length; i++) {
            reduce[i] = i;
        }
        long channels = x.size(channelAxis);
        INDArray mean;
        INDArray variance;
        // The statistics carry no gradient: batchnorm_bp below differentiates through them itself.
        if (isDense(x)) {
            // libnd4j's reductions over all but the last axis stride through memory; as products with
            // a row of 1/n they are GEMMs: the mean, then the mean of the squared deviations.
            long rows = x.length() / channels;
            INDArray matrix = x.reshape('c', rows, channels);
            INDArray average = own(Nd4j.valueArrayOf(new long[] {1, rows}, 1f / rows));
            INDArray meanRow = allocate(1, channels);
            INDArray varianceRow = allocate(1, channels);
            INDArray deviations = allocate(rows, channels);
            CustomOp squared = customOp("squaredsubtract", new INDArray[] {matrix, meanRow},
                    new INDArray[] {deviations});
            mean = emit(meanRow.reshape('c', new long[] {channels}), () -> Nd4j.gemm(average, matrix, meanRow, false, false, 1.0,
                    0.0), null, x);
            variance = emit(varianceRow.reshape('c', new long[] {channels}), () -> {
                Nd4j.exec(squared);
                Nd4j.gemm(average, deviations, varianceRow, false, false, 1.0, 0.0);
            }, null, x);
        } else {
            INDArray plainMean = allocate(channels);
            INDArray plainVariance = allocate(channels);
            Variance biased = new Variance(x, plainVariance, false, reduce);
            mean = emit(plainMean, () -> x.mean(plainMean, reduce), null, x);
            variance = emit(plainVariance, () -> Nd4j.exec(biased), null, x);
        }
        int[] args = {1, 1, channelAxis};
        INDArray out = allocate(x.shape());
        CustomOp forward = customOp("batchnorm", new INDArray[] {x, mean, variance, gamma, beta},
                new INDArray[] {out}, args, epsilon);
        INDArray normalized = custom(forward, out, new INDArray[] {x, gamma, beta}, (g, needed) -> {
            INDArray gx = allocate(x.shape());
            INDArray gMean = allocate(channels);
            INDArray gVariance = allocate(channels);
            INDArray gGamma = allocate(channels);
            INDArray gBeta = allocate(channels);
            stage(customOp("batchnorm_bp", new INDArray[] {x, mean, variance, gamma, beta, g},
                    new INDArray[] {gx, gMean, gVariance, gGamma, gBeta}, args, epsilon));
            return new INDArray[] {gx, gGamma, gBeta};
        });
        return new Normalized<>(normalized, mean, variance);
    }

    @Override
    public INDArray batchNormInference(INDArray x, INDArray gamma, INDArray beta, INDArray mean, INDArray variance,
            float epsilon) {
        int channelAxis = x.rank() - 1;
        INDArray out = overwriteOrAllocate(x, x.shape());
        CustomOp forward = customOp("batchnorm", new INDArray[] {x, mean, variance, gamma, beta},
                new INDArray[] {out}, new int[] {1, 1, channelAxis}, epsilon);
        return custom(forward, out, new INDArray[] {x, gamma, beta, mean, variance}, (g, needed) -> {
            // With fixed statistics the layer is an affine map per channel, differentiated element-wise.
            INDArray inverseDeviation = divide(constant(1f), sqrt(add(variance, constant(epsilon))));
            INDArray centered = subtract(x, mean);
            INDArray scaled = multiply(g, multiply(gamma, inverseDeviation));
            INDArray[] grads = new INDArray[5];
            grads[0] = needed[0] ? scaled : null;
            grads[1] = needed[1] ? unbroadcast(multiply(g, multiply(centered, inverseDeviation)), gamma) : null;
            grads[2] = needed[2] ? unbroadcast(g, beta) : null;
            grads[3] = needed[3] ? unbroadcast(negative(scaled), mean) : null;
            grads[4] = needed[4] ? unbroadcast(multiply(multiply(scaled, centered), multiply(constant(-0.5f),
                    square(inverseDeviation))), variance) : null;
            return grads;
        });
    }

    // ---- gradients

    @Override
    public List<INDArray> gradients(INDArray loss, List<INDArray> sources) {
        if (overwritable != null) {
            throw new IllegalStateException("A program that overwrites arrays cannot differentiate");
        }
        if (loss.length() != 1) {
            throw new IllegalArgumentException("gradients needs a scalar loss, got shape " + Arrays.toString(loss.shape()));
        }
        Set<INDArray> onPath = pathsBetween(sources, loss);
        Map<INDArray, INDArray> gradient = new IdentityHashMap<>();
        if (onPath.contains(loss)) {
            gradient.put(loss, constant(FloatTensor.filled(intShape(loss), 1f)));
        }
        // Nodes appended while differentiating are never visited: only the nodes traced before this call.
        List<Node> traced = List.copyOf(nodes);
        for (int i = traced.size() - 1; i >= 0; i--) {
            Node node = traced.get(i);
            INDArray g = gradient.get(node.output());
            if (g == null || node.backward() == null) {
                continue;
            }
            boolean[] needed = new boolean[node.inputs().length];
            boolean any = false;
            for (int k = 0; k < needed.length; k++) {
                needed[k] = onPath.contains(node.inputs()[k]);
                any |= needed[k];
            }
            if (!any) {
                continue;
            }
            INDArray[] inputGradients = node.backward().apply(g, needed);
            for (int k = 0; k < needed.length; k++) {
                if (needed[k]) {
                    // A tensor used more than once sums its gradients, in a new array: g may be shared.
                    gradient.merge(node.inputs()[k], inputGradients[k], this::add);
                }
            }
        }
        List<INDArray> result = new ArrayList<>(sources.size());
        for (INDArray source : sources) {
            INDArray g = gradient.get(source);
            result.add(g != null ? g : constant(FloatTensor.filled(intShape(source), 0f)));
        }
        return result;
    }

    /** The tensors that depend on one of {@code sources} and that {@code loss} depends on. */
    private Set<INDArray> pathsBetween(List<INDArray> sources, INDArray loss) {
        Set<INDArray> fromSources = Collections.newSetFromMap(new IdentityHashMap<>());
        fromSources.addAll(sources);
        for (Node node : nodes) {
            if (node.backward() == null) {
                continue;
            }
            for (INDArray input : node.inputs()) {
                if (fromSources.contains(input)) {
                    fromSources.add(node.output());
                    break;
                }
            }
        }
        Set<INDArray> onPath = Collections.newSetFromMap(new IdentityHashMap<>());
        List<INDArray> pending = new ArrayList<>(List.of(loss));
        while (!pending.isEmpty()) {
            INDArray tensor = pending.remove(pending.size() - 1);
            if (!fromSources.contains(tensor) || !onPath.add(tensor)) {
                continue;
            }
            Node node = producers.get(tensor);
            if (node != null && node.backward() != null) {
                pending.addAll(List.of(node.inputs()));
            }
        }
        return onPath;
    }

    // ---- tracing

    /** Registers {@code out}, computed by {@code stage} (null for a view), with its gradient rule. */
    private INDArray emit(INDArray out, Runnable stage, Backward backward, INDArray... inputs) {
        consume(inputs);
        int ordinal = nodes.size();
        for (INDArray input : inputs) {
            lastReader.merge(memoryOf(input), ordinal, Math::max);
        }
        if (stage != null) {
            stages.add(stage);
            // An array overwritten in place now holds this node's value.
            computedBy.put(out, ordinal);
        } else if (inputs.length == 1) {
            viewed.put(out, memoryOf(inputs[0]));
        }
        Node node = new Node(out, inputs, backward);
        nodes.add(node);
        producers.put(out, node);
        return out;
    }

    /** The array whose memory {@code x} shows: x itself unless it is a view. */
    private INDArray memoryOf(INDArray x) {
        return viewed.getOrDefault(x, x);
    }

    /**
     * The output of the element-wise operation traced next, reading {@code x}: x itself where the plan
     * says this operation is x's last reader, else a new array of {@code shape}.
     */
    private INDArray overwriteOrAllocate(INDArray x, long[] shape) {
        Integer computing = computedBy.get(x);
        if (overwritable != null && computing != null && !viewed.containsKey(x)
                && overwritable.getOrDefault(computing, Integer.MAX_VALUE) == nodes.size()) {
            return x;
        }
        return allocate(shape);
    }

    /** Marks tensors as read, first running the stage of any whose computation was deferred. */
    private void consume(INDArray... tensors) {
        for (INDArray tensor : tensors) {
            consumed.add(tensor);
            Runnable stage = deferred.remove(tensor);
            if (stage != null) {
                stages.add(stage);
            }
        }
    }

    private void stage(CustomOp op) {
        consume(op.inputArguments().toArray(INDArray[]::new));
        stages.add(() -> Nd4j.exec(op));
    }

    private INDArray custom(CustomOp op, INDArray out, INDArray[] inputs, Backward backward) {
        return emit(out, () -> Nd4j.exec(op), backward, inputs);
    }

    private INDArray custom(CustomOp op, INDArray out) {
        return emit(out, () -> Nd4j.exec(op), null, op.inputArguments().toArray(INDArray[]::new));
    }

    private INDArray custom(CustomOp op, INDArray out, INDArray input, Backward backward) {
        return custom(op, out, new INDArray[] {input}, backward);
    }

    private INDArray legacy(Op op, INDArray out, INDArray input, Backward backward) {
        return emit(out, () -> Nd4j.exec(op), backward, input);
    }

    /** A NumPy-broadcasting binary op, built once and run on every run. */
    private INDArray broadcast(String op, INDArray a, INDArray b, Backward backward) {
        long[] shape = broadcastShape(a, b);
        INDArray out = Arrays.equals(shape, a.shape()) ? overwriteOrAllocate(a, shape) : allocate(shape);
        return custom(customOp(op, new INDArray[] {a, b}, new INDArray[] {out}), out, new INDArray[] {a, b}, backward);
    }

    /** {@code g}, shaped like a broadcast result, summed down to the shape of {@code target}. */
    private INDArray unbroadcast(INDArray g, INDArray target) {
        long[] from = g.shape();
        long[] to = target.shape();
        if (Arrays.equals(from, to)) {
            return g;
        }
        int lead = from.length - to.length;
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < from.length; i++) {
            if (i < lead || (to[i - lead] == 1 && from[i] != 1)) {
                axes.add(i);
            }
        }
        INDArray summed = axes.isEmpty() ? g : sum(g, axes.stream().mapToInt(Integer::intValue).toArray(), true);
        return reshapeTo(summed, to);
    }

    /** A reduction's result {@code g} (with or without the reduced axes) broadcast back to {@code x}'s shape. */
    private INDArray expand(INDArray g, INDArray x, int[] reduced) {
        INDArray kept = reshapeTo(g, reducedShape(x, reduced, true));
        INDArray ones = constant(FloatTensor.filled(intShape(x), 1f));
        return multiply(kept, ones);
    }

    private static int[] axes(INDArray x, int[] axes) {
        return Arrays.stream(axes).map(a -> a == -1 ? x.rank() - 1 : a).sorted().distinct().toArray();
    }

    private static long[] reducedShape(INDArray x, int[] reduced, boolean keepDims) {
        List<Long> shape = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            boolean isReduced = Arrays.binarySearch(reduced, i) >= 0;
            if (!isReduced) {
                shape.add(x.size(i));
            } else if (keepDims) {
                shape.add(1L);
            }
        }
        return shape.stream().mapToLong(Long::longValue).toArray();
    }

    /** {@code out} as the reduction writes it: without the reduced axes (a view when kept). */
    private static INDArray reducedView(INDArray x, int[] reduced, INDArray out) {
        long[] plain = reducedShape(x, reduced, false);
        return Arrays.equals(plain, out.shape()) ? out : out.reshape('c', plain);
    }

    private static long[] broadcastShape(INDArray a, INDArray b) {
        long[] sa = a.shape();
        long[] sb = b.shape();
        int rank = Math.max(sa.length, sb.length);
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - sa.length ? 1 : sa[i - (rank - sa.length)];
            long db = i < rank - sb.length ? 1 : sb[i - (rank - sb.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("Shapes " + Arrays.toString(sa) + " and " + Arrays.toString(sb)
                        + " do not broadcast");
            }
            shape[i] = Math.max(da, db);
        }
        return shape;
    }

    /** Keras's output size: 'same' covers every input position, 'valid' only whole windows. */
    private static long outputLength(long input, long window, int stride, boolean same) {
        long out = same ? (input + stride - 1) / stride : (input - window) / stride + 1;
        if (out <= 0) {
            throw new IllegalArgumentException("Window " + window + " does not fit input size " + input);
        }
        return out;
    }

    private static CustomOp customOp(String name, INDArray[] inputs, INDArray[] outputs, int[] intArgs,
            double... floatArgs) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder(name).addInputs(inputs)
                .addOutputs(outputs);
        if (intArgs.length > 0) {
            op.addIntegerArguments(intArgs);
        }
        if (floatArgs.length > 0) {
            op.addFloatingPointArguments(Arrays.stream(floatArgs).boxed().toArray(Double[]::new));
        }
        return op.build();
    }

    private static CustomOp customOp(String name, INDArray[] inputs, INDArray[] outputs, int... intArgs) {
        return customOp(name, inputs, outputs, intArgs, new double[0]);
    }

    private INDArray allocate(long... shape) {
        return own(Nd4j.createUninitialized(DataType.FLOAT, shape));
    }

    private INDArray own(INDArray array) {
        owned.add(array);
        return array;
    }

    private static int[] intShape(INDArray array) {
        return NdArrays.intShape(array);
    }
}
