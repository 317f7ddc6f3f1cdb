package org.sightline.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Weights;
import org.sightline.ops.TrainingOps;

/**
 * The oracle of the {@link org.sightline.ops.Ops} semantics: every operation computed eagerly in plain
 * loops, values in double, each recording on a tape how to push gradients back, so that
 * {@link #gradients} is reverse-mode differentiation by hand. Slow on purpose: every line can be checked
 * against the Keras/TensorFlow definition, and {@code ReferenceOpsTest} checks each one.
 *
 * <p>A run is everything from construction (or the last {@link #commit()} or {@link #discard()}) on:
 * {@link #read} gives one tensor per variable per run, {@link #assign} is held until {@link #commit()},
 * and {@link #hyperparameter} reads what {@link #setHyperparameters} set.
 *
 * <pre>{@code
 * ReferenceOps ops = new ReferenceOps(weights.asMap(), seed);
 * ReferenceTensor out = model.call(ops, ops.constant(images), false).output();
 * }</pre>
 */
public final class ReferenceOps implements TrainingOps<ReferenceTensor> {
    private static final int[] SCALAR = {};

    private final Map<String, FloatTensor> variables;
    private final long seed;
    private final Map<Integer, SplittableRandom> streams = new HashMap<>();
    private final Map<String, ReferenceTensor> reads = new HashMap<>();
    private final Map<String, ReferenceTensor> hyperparameterTensors = new HashMap<>();
    private final Map<String, FloatTensor> pending = new LinkedHashMap<>();
    private Map<String, Float> hyperparameters = Map.of();
    /** Orders the tape across instances too, so tensors of several instances may meet in one computation. */
    private static final AtomicLong ORDER = new AtomicLong();

    /**
     * @param variables model weights and optimizer slots by name ({@code conv2d/kernel},
     *                  {@code conv2d/kernel/m}); {@link #assign} may only set these
     * @param seed      seeds {@link #randomUniform}, one generator per stream
     */
    public ReferenceOps(Map<String, FloatTensor> variables, long seed) {
        this.variables = new LinkedHashMap<>(variables);
        this.seed = seed;
    }

    /** The scalars {@link #hyperparameter} gives from now on, e.g. {@code Optimizer.hyperparameters}. */
    public void setHyperparameters(Map<String, Float> values) {
        hyperparameters = Map.copyOf(values);
        hyperparameterTensors.clear();
    }

    /** Ends the run: the assignments take effect, and the next run reads the new values. */
    public void commit() {
        variables.putAll(pending);
        discard();
    }

    /** Ends the run without its assignments, as {@code lossGradients} must. */
    public void discard() {
        pending.clear();
        reads.clear();
        hyperparameterTensors.clear();
    }

    /** The variables as they stand (assignments of the current run not included). */
    public Map<String, FloatTensor> variables() {
        return Collections.unmodifiableMap(variables);
    }

    /** The variables named {@code names}, as weights. */
    public Weights variables(Iterable<String> names) {
        Weights.Builder builder = Weights.builder();
        for (String name : names) {
            builder.put(name, variable(name));
        }
        return builder.build();
    }

    private FloatTensor variable(String name) {
        FloatTensor value = variables.get(name);
        if (value == null) {
            throw new IllegalArgumentException("No variable '" + name + "'; known: " + variables.keySet());
        }
        return value;
    }

    // ---- values from outside

    @Override
    public ReferenceTensor constant(float value) {
        return ReferenceTensor.leaf(SCALAR, new double[] {value});
    }

    @Override
    public ReferenceTensor constant(FloatTensor value) {
        return ReferenceTensor.of(value);
    }

    @Override
    public ReferenceTensor hyperparameter(String name) {
        return hyperparameterTensors.computeIfAbsent(name, n -> {
            Float value = hyperparameters.get(n);
            if (value == null) {
                throw new IllegalStateException("Hyperparameter '" + n + "' was not set; set: "
                        + hyperparameters.keySet());
            }
            return constant(value);
        });
    }

    @Override
    public ReferenceTensor read(String name) {
        return reads.computeIfAbsent(name, n -> ReferenceTensor.of(variable(n)));
    }

    @Override
    public void assign(String name, ReferenceTensor value) {
        int[] expected = variable(name).shape();
        if (!Arrays.equals(expected, value.shapeView())) {
            throw new IllegalArgumentException("Variable '" + name + "' has shape " + Arrays.toString(expected)
                    + ", assigned " + Arrays.toString(value.shapeView()));
        }
        if (pending.putIfAbsent(name, value.toFloatTensor()) != null) {
            throw new IllegalStateException("Variable '" + name + "' assigned twice in one run");
        }
    }

    @Override
    public ReferenceTensor randomUniform(ReferenceTensor like, int stream) {
        // Golden-ratio mixing keeps the streams of neighbouring seeds apart.
        SplittableRandom random = streams.computeIfAbsent(stream,
                s -> new SplittableRandom(seed * 0x9E3779B97F4A7C15L + s));
        double[] values = new double[like.size()];
        for (int i = 0; i < values.length; i++) {
            // 24 bits: exactly representable in float32 and never 1.
            values[i] = random.nextInt(1 << 24) / (double) (1 << 24);
        }
        return ReferenceTensor.leaf(like.shape(), values);
    }

    // ---- the tape

    private ReferenceTensor record(int[] shape, double[] values, ReferenceTensor[] inputs,
            ReferenceTensor.Backward backward) {
        return new ReferenceTensor(shape, values, new ReferenceTensor.Step(ORDER.getAndIncrement(), inputs, backward));
    }

    @Override
    public List<ReferenceTensor> gradients(ReferenceTensor loss, List<ReferenceTensor> sources) {
        if (loss.size() != 1) {
            throw new IllegalArgumentException("The loss must be a scalar, got " + loss);
        }
        Map<ReferenceTensor, double[]> gradients = new IdentityHashMap<>();
        gradients.put(loss, new double[] {1});
        List<ReferenceTensor> produced = new ArrayList<>();
        collect(loss, Collections.newSetFromMap(new IdentityHashMap<>()), produced);
        produced.sort((a, b) -> Long.compare(b.step().order(), a.step().order()));
        for (ReferenceTensor tensor : produced) {
            double[] gradient = gradients.get(tensor);
            if (gradient == null) {
                continue;
            }
            ReferenceTensor[] inputs = tensor.step().inputs();
            double[][] inputGradients = tensor.step().backward().apply(gradient);
            for (int i = 0; i < inputs.length; i++) {
                if (inputGradients[i] == null) {
                    continue;
                }
                double[] sum = gradients.get(inputs[i]);
                if (sum == null) {
                    // A copy: a backward may hand the same array to several inputs.
                    gradients.put(inputs[i], inputGradients[i].clone());
                } else {
                    for (int j = 0; j < sum.length; j++) {
                        sum[j] += inputGradients[i][j];
                    }
                }
            }
        }
        List<ReferenceTensor> result = new ArrayList<>(sources.size());
        for (ReferenceTensor source : sources) {
            double[] gradient = gradients.get(source);
            result.add(ReferenceTensor.leaf(source.shape(),
                    gradient == null ? new double[source.size()] : gradient.clone()));
        }
        return result;
    }

    private static void collect(ReferenceTensor tensor, java.util.Set<ReferenceTensor> seen,
            List<ReferenceTensor> produced) {
        // Iterative: a deep model's tape would overflow a recursive walk's stack.
        List<ReferenceTensor> stack = new ArrayList<>(List.of(tensor));
        while (!stack.isEmpty()) {
            ReferenceTensor t = stack.remove(stack.size() - 1);
            if (t.step() == null || !seen.add(t)) {
                continue;
            }
            produced.add(t);
            stack.addAll(Arrays.asList(t.step().inputs()));
        }
    }

    // ---- element-wise

    /** For each output index, the index of {@code in} that NumPy broadcasting reads. */
    private static int[] broadcastIndex(int[] outShape, int[] inShape) {
        int size = ReferenceTensor.sizeOf(outShape);
        int[] index = new int[size];
        int rank = outShape.length;
        int offset = rank - inShape.length;
        int[] inStrides = strides(inShape);
        int[] counter = new int[rank];
        for (int i = 0; i < size; i++) {
            int at = 0;
            for (int axis = offset; axis < rank; axis++) {
                int d = inShape[axis - offset];
                at += (d == 1 ? 0 : counter[axis]) * inStrides[axis - offset];
            }
            index[i] = at;
            for (int axis = rank - 1; axis >= 0; axis--) {
                if (++counter[axis] < outShape[axis]) {
                    break;
                }
                counter[axis] = 0;
            }
        }
        return index;
    }

    private static int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("Shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            shape[i] = da == 1 ? db : da;
        }
        return shape;
    }

    /** The local derivatives of a binary operation at one pair of values. */
    @FunctionalInterface
    private interface Partial {
        double at(double a, double b, double out);
    }

    private ReferenceTensor binary(ReferenceTensor a, ReferenceTensor b, DoubleBinaryOperator f, Partial da,
            Partial db) {
        int[] shape = broadcastShape(a.shapeView(), b.shapeView());
        int[] ia = broadcastIndex(shape, a.shapeView());
        int[] ib = broadcastIndex(shape, b.shapeView());
        double[] av = a.valuesView();
        double[] bv = b.valuesView();
        double[] out = new double[ia.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(av[ia[i]], bv[ib[i]]);
        }
        if (da == null) {
            return ReferenceTensor.leaf(shape, out);
        }
        return record(shape, out, new ReferenceTensor[] {a, b}, g -> {
            double[] ga = new double[av.length];
            double[] gb = new double[bv.length];
            for (int i = 0; i < g.length; i++) {
                ga[ia[i]] += g[i] * da.at(av[ia[i]], bv[ib[i]], out[i]);
                gb[ib[i]] += g[i] * db.at(av[ia[i]], bv[ib[i]], out[i]);
            }
            return new double[][] {ga, gb};
        });
    }

    /** The derivative of a unary operation at one value, given its result. */
    @FunctionalInterface
    private interface Derivative {
        double at(double x, double y);
    }

    private ReferenceTensor unary(ReferenceTensor x, DoubleUnaryOperator f, Derivative derivative) {
        double[] xv = x.valuesView();
        double[] out = new double[xv.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(xv[i]);
        }
        return record(x.shape(), out, new ReferenceTensor[] {x}, g -> {
            double[] gx = new double[xv.length];
            for (int i = 0; i < gx.length; i++) {
                gx[i] = g[i] * derivative.at(xv[i], out[i]);
            }
            return new double[][] {gx};
        });
    }

    @Override
    public ReferenceTensor add(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, Double::sum, (x, y, o) -> 1, (x, y, o) -> 1);
    }

    @Override
    public ReferenceTensor subtract(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, (x, y) -> x - y, (x, y, o) -> 1, (x, y, o) -> -1);
    }

    @Override
    public ReferenceTensor multiply(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, (x, y) -> x * y, (x, y, o) -> y, (x, y, o) -> x);
    }

    @Override
    public ReferenceTensor divide(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, (x, y) -> x / y, (x, y, o) -> 1 / y, (x, y, o) -> -x / (y * y));
    }

    @Override
    public ReferenceTensor maximum(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, Math::max, (x, y, o) -> x >= y ? 1 : 0, (x, y, o) -> x >= y ? 0 : 1);
    }

    @Override
    public ReferenceTensor minimum(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, Math::min, (x, y, o) -> x <= y ? 1 : 0, (x, y, o) -> x <= y ? 0 : 1);
    }

    @Override
    public ReferenceTensor negative(ReferenceTensor x) {
        return unary(x, v -> -v, (v, y) -> -1);
    }

    @Override
    public ReferenceTensor square(ReferenceTensor x) {
        return unary(x, v -> v * v, (v, y) -> 2 * v);
    }

    @Override
    public ReferenceTensor sqrt(ReferenceTensor x) {
        return unary(x, Math::sqrt, (v, y) -> 0.5 / y);
    }

    @Override
    public ReferenceTensor exp(ReferenceTensor x) {
        return unary(x, Math::exp, (v, y) -> y);
    }

    @Override
    public ReferenceTensor log(ReferenceTensor x) {
        return unary(x, Math::log, (v, y) -> 1 / v);
    }

    @Override
    public ReferenceTensor relu(ReferenceTensor x) {
        // The gradient at 0 is 0, as TensorFlow's ReluGrad.
        return unary(x, v -> Math.max(v, 0), (v, y) -> v > 0 ? 1 : 0);
    }

    @Override
    public ReferenceTensor sigmoid(ReferenceTensor x) {
        return unary(x, v -> 1 / (1 + Math.exp(-v)), (v, y) -> y * (1 - y));
    }

    @Override
    public ReferenceTensor tanh(ReferenceTensor x) {
        return unary(x, Math::tanh, (v, y) -> 1 - y * y);
    }

    @Override
    public ReferenceTensor erf(ReferenceTensor x) {
        return unary(x, ReferenceOps::erf, (v, y) -> 2 / Math.sqrt(Math.PI) * Math.exp(-v * v));
    }

    /**
     * The error function by the series {@code erf(x) = 2 / sqrt(pi) * exp(-x^2) * sum x (2x^2)^n / (2n+1)!!},
     * whose terms are all positive, so it loses nothing to cancellation: about 1e-15 everywhere. Beyond
     * |x| = 6, {@code 1 - |erf(x)|} is below 1e-16 and the result is +-1.
     */
    static double erf(double x) {
        if (Math.abs(x) > 6) {
            return Math.signum(x);
        }
        double twoXSquared = 2 * x * x;
        double term = x;
        double sum = x;
        for (int n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= twoXSquared / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    @Override
    public ReferenceTensor greaterEqual(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, (x, y) -> x >= y ? 1 : 0, null, null);
    }

    @Override
    public ReferenceTensor equal(ReferenceTensor a, ReferenceTensor b) {
        return binary(a, b, (x, y) -> x == y ? 1 : 0, null, null);
    }

    @Override
    public ReferenceTensor softmax(ReferenceTensor x) {
        int[] shape = x.shape();
        int last = shape[shape.length - 1];
        double[] xv = x.valuesView();
        double[] out = new double[xv.length];
        for (int row = 0; row < xv.length; row += last) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = row; i < row + last; i++) {
                max = Math.max(max, xv[i]);
            }
            double sum = 0;
            for (int i = row; i < row + last; i++) {
                out[i] = Math.exp(xv[i] - max);
                sum += out[i];
            }
            for (int i = row; i < row + last; i++) {
                out[i] /= sum;
            }
        }
        return record(shape, out, new ReferenceTensor[] {x}, g -> {
            double[] gx = new double[xv.length];
            for (int row = 0; row < xv.length; row += last) {
                double dot = 0;
                for (int i = row; i < row + last; i++) {
                    dot += g[i] * out[i];
                }
                for (int i = row; i < row + last; i++) {
                    gx[i] = out[i] * (g[i] - dot);
                }
            }
            return new double[][] {gx};
        });
    }

    @Override
    public ReferenceTensor logSoftmax(ReferenceTensor x) {
        int[] shape = x.shape();
        int last = shape[shape.length - 1];
        double[] xv = x.valuesView();
        double[] out = new double[xv.length];
        for (int row = 0; row < xv.length; row += last) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = row; i < row + last; i++) {
                max = Math.max(max, xv[i]);
            }
            double sum = 0;
            for (int i = row; i < row + last; i++) {
                sum += Math.exp(xv[i] - max);
            }
            double logSum = max + Math.log(sum);
            for (int i = row; i < row + last; i++) {
                out[i] = xv[i] - logSum;
            }
        }
        return record(shape, out, new ReferenceTensor[] {x}, g -> {
            double[] gx = new double[xv.length];
            for (int row = 0; row < xv.length; row += last) {
                double total = 0;
                for (int i = row; i < row + last; i++) {
                    total += g[i];
                }
                for (int i = row; i < row + last; i++) {
                    gx[i] = g[i] - Math.exp(out[i]) * total;
                }
            }
            return new double[][] {gx};
        });
    }

    // ---- reductions

    /** Where each input value lands when {@code axes} are reduced, and the reduced shape. */
    private record Reduction(int[] shape, int[] target, int outputSize) {
    }

    private static Reduction reduction(int[] inShape, int[] axes, boolean keepDims) {
        int rank = inShape.length;
        boolean[] reduced = new boolean[rank];
        for (int axis : axes) {
            int a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a >= rank) {
                throw new IllegalArgumentException("Axis " + axis + " is out of range for shape "
                        + Arrays.toString(inShape));
            }
            reduced[a] = true;
        }
        int[] kept = new int[rank];
        List<Integer> outDims = new ArrayList<>();
        for (int a = 0; a < rank; a++) {
            kept[a] = reduced[a] ? 1 : inShape[a];
            if (!reduced[a] || keepDims) {
                outDims.add(kept[a]);
            }
        }
        int[] keptStrides = strides(kept);
        int size = ReferenceTensor.sizeOf(inShape);
        int[] target = new int[size];
        int[] counter = new int[rank];
        for (int i = 0; i < size; i++) {
            int at = 0;
            for (int a = 0; a < rank; a++) {
                at += reduced[a] ? 0 : counter[a] * keptStrides[a];
            }
            target[i] = at;
            for (int a = rank - 1; a >= 0; a--) {
                if (++counter[a] < inShape[a]) {
                    break;
                }
                counter[a] = 0;
            }
        }
        return new Reduction(outDims.stream().mapToInt(Integer::intValue).toArray(), target,
                ReferenceTensor.sizeOf(kept));
    }

    @Override
    public ReferenceTensor sum(ReferenceTensor x, int[] axes, boolean keepDims) {
        return scaledSum(x, axes, keepDims, false);
    }

    @Override
    public ReferenceTensor mean(ReferenceTensor x, int[] axes, boolean keepDims) {
        return scaledSum(x, axes, keepDims, true);
    }

    private ReferenceTensor scaledSum(ReferenceTensor x, int[] axes, boolean keepDims, boolean mean) {
        Reduction r = reduction(x.shapeView(), axes, keepDims);
        double[] xv = x.valuesView();
        double[] out = new double[r.outputSize()];
        for (int i = 0; i < xv.length; i++) {
            out[r.target()[i]] += xv[i];
        }
        double scale = mean ? (double) r.outputSize() / Math.max(xv.length, 1) : 1;
        for (int i = 0; i < out.length; i++) {
            out[i] *= scale;
        }
        return record(r.shape(), out, new ReferenceTensor[] {x}, g -> {
            double[] gx = new double[xv.length];
            for (int i = 0; i < gx.length; i++) {
                gx[i] = g[r.target()[i]] * scale;
            }
            return new double[][] {gx};
        });
    }

    /** The gradient is shared equally by the values that tie for the maximum, as TensorFlow's. */
    @Override
    public ReferenceTensor max(ReferenceTensor x, int[] axes, boolean keepDims) {
        Reduction r = reduction(x.shapeView(), axes, keepDims);
        double[] xv = x.valuesView();
        double[] out = new double[r.outputSize()];
        Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < xv.length; i++) {
            out[r.target()[i]] = Math.max(out[r.target()[i]], xv[i]);
        }
        return record(r.shape(), out, new ReferenceTensor[] {x}, g -> {
            int[] ties = new int[out.length];
            for (int i = 0; i < xv.length; i++) {
                ties[r.target()[i]] += xv[i] == out[r.target()[i]] ? 1 : 0;
            }
            double[] gx = new double[xv.length];
            for (int i = 0; i < gx.length; i++) {
                int t = r.target()[i];
                gx[i] = xv[i] == out[t] ? g[t] / ties[t] : 0;
            }
            return new double[][] {gx};
        });
    }

    @Override
    public ReferenceTensor argmax(ReferenceTensor x, int axis) {
        int[] shape = x.shapeView();
        int a = axis < 0 ? axis + shape.length : axis;
        Reduction r = reduction(shape, new int[] {a}, false);
        double[] xv = x.valuesView();
        double[] best = new double[r.outputSize()];
        double[] out = new double[r.outputSize()];
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
        int stride = strides(shape)[a];
        for (int i = 0; i < xv.length; i++) {
            int t = r.target()[i];
            // Strictly greater: the first of equal values wins.
            if (xv[i] > best[t]) {
                best[t] = xv[i];
                out[t] = (i / stride) % shape[a];
            }
        }
        return ReferenceTensor.leaf(r.shape(), out);
    }

    // ---- shapes

    @Override
    public ReferenceTensor reshape(ReferenceTensor x, int... exampleShape) {
        int batch = x.shapeView()[0];
        int[] shape = new int[exampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        int known = batch;
        int unknown = -1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] == -1) {
                unknown = i;
            } else {
                known *= shape[i];
            }
        }
        if (unknown > 0) {
            shape[unknown] = known == 0 ? 0 : x.size() / known;
        }
        if (ReferenceTensor.sizeOf(shape) != x.size()) {
            throw new IllegalArgumentException("Cannot reshape " + x + " to examples of "
                    + Arrays.toString(exampleShape));
        }
        return record(shape, x.valuesView().clone(), new ReferenceTensor[] {x}, g -> new double[][] {g});
    }

    @Override
    public ReferenceTensor transpose(ReferenceTensor x, int... permutation) {
        int[] in = x.shapeView();
        int[] shape = new int[in.length];
        for (int i = 0; i < in.length; i++) {
            shape[i] = in[permutation[i]];
        }
        int[] inStrides = strides(in);
        int[] source = new int[x.size()];
        int[] counter = new int[shape.length];
        for (int i = 0; i < source.length; i++) {
            int at = 0;
            for (int axis = 0; axis < shape.length; axis++) {
                at += counter[axis] * inStrides[permutation[axis]];
            }
            source[i] = at;
            increment(counter, shape);
        }
        return gather(x, shape, source);
    }

    /** Output value {@code i} is input value {@code source[i]} (or 0 where it is -1). */
    private ReferenceTensor gather(ReferenceTensor x, int[] shape, int[] source) {
        double[] xv = x.valuesView();
        double[] out = new double[source.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = source[i] < 0 ? 0 : xv[source[i]];
        }
        return record(shape, out, new ReferenceTensor[] {x}, g -> {
            double[] gx = new double[xv.length];
            for (int i = 0; i < g.length; i++) {
                if (source[i] >= 0) {
                    gx[source[i]] += g[i];
                }
            }
            return new double[][] {gx};
        });
    }

    @Override
    public ReferenceTensor concat(List<ReferenceTensor> tensors, int axis) {
        int[] first = tensors.get(0).shape();
        int rank = first.length;
        int a = axis < 0 ? axis + rank : axis;
        int[] shape = first.clone();
        shape[a] = 0;
        for (ReferenceTensor t : tensors) {
            int[] s = t.shapeView();
            for (int d = 0; d < rank; d++) {
                if (d != a && s[d] != first[d]) {
                    throw new IllegalArgumentException("Cannot concatenate " + tensors + " along axis " + axis);
                }
            }
            shape[a] += s[a];
        }
        int outer = 1;
        for (int d = 0; d < a; d++) {
            outer *= shape[d];
        }
        double[] out = new double[ReferenceTensor.sizeOf(shape)];
        int[] blocks = new int[tensors.size()];
        int at = 0;
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < tensors.size(); k++) {
                double[] v = tensors.get(k).valuesView();
                blocks[k] = v.length / Math.max(outer, 1);
                System.arraycopy(v, o * blocks[k], out, at, blocks[k]);
                at += blocks[k];
            }
        }
        int total = at;
        return record(shape, out, tensors.toArray(ReferenceTensor[]::new), g -> {
            double[][] gs = new double[tensors.size()][];
            for (int k = 0; k < gs.length; k++) {
                gs[k] = new double[tensors.get(k).size()];
            }
            int from = 0;
            for (int o = 0; from < total; o++) {
                for (int k = 0; k < gs.length; k++) {
                    System.arraycopy(g, from, gs[k], o * blocks[k], blocks[k]);
                    from += blocks[k];
                }
            }
            return gs;
        });
    }

    @Override
    public ReferenceTensor slice(ReferenceTensor x, int[] begin, int[] size) {
        int[] in = x.shapeView();
        int[] shape = new int[in.length];
        for (int d = 0; d < in.length; d++) {
            shape[d] = size[d] == -1 ? in[d] - begin[d] : size[d];
            if (begin[d] < 0 || shape[d] < 0 || begin[d] + shape[d] > in[d]) {
                throw new IllegalArgumentException("Slice from " + Arrays.toString(begin) + " of "
                        + Arrays.toString(size) + " does not fit " + x);
            }
        }
        int[] inStrides = strides(in);
        int[] source = new int[ReferenceTensor.sizeOf(shape)];
        int[] counter = new int[shape.length];
        for (int i = 0; i < source.length; i++) {
            int at = 0;
            for (int d = 0; d < shape.length; d++) {
                at += (begin[d] + counter[d]) * inStrides[d];
            }
            source[i] = at;
            increment(counter, shape);
        }
        return gather(x, shape, source);
    }

    @Override
    public ReferenceTensor pad(ReferenceTensor x, int[][] paddings) {
        int[] in = x.shapeView();
        int[] shape = new int[in.length];
        for (int d = 0; d < in.length; d++) {
            shape[d] = paddings[d][0] + in[d] + paddings[d][1];
        }
        int[] inStrides = strides(in);
        int[] source = new int[ReferenceTensor.sizeOf(shape)];
        int[] counter = new int[shape.length];
        for (int i = 0; i < source.length; i++) {
            int at = 0;
            for (int d = 0; d < shape.length && at >= 0; d++) {
                int c = counter[d] - paddings[d][0];
                at = c < 0 || c >= in[d] ? -1 : at + c * inStrides[d];
            }
            source[i] = at;
            increment(counter, shape);
        }
        return gather(x, shape, source);
    }

    // ---- neural-network operations

    @Override
    public ReferenceTensor matmul(ReferenceTensor a, ReferenceTensor b) {
        int[] as = a.shapeView();
        int[] bs = b.shapeView();
        if (as.length != 2 || bs.length != 2 || as[1] != bs[0]) {
            throw new IllegalArgumentException("matmul needs [n, k] x [k, m], got " + a + " x " + b);
        }
        int n = as[0];
        int k = as[1];
        int m = bs[1];
        double[] av = a.valuesView();
        double[] bv = b.valuesView();
        double[] out = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += av[i * k + p] * bv[p * m + j];
                }
                out[i * m + j] = sum;
            }
        }
        return record(new int[] {n, m}, out, new ReferenceTensor[] {a, b}, g -> {
            double[] ga = new double[av.length];
            double[] gb = new double[bv.length];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    double gij = g[i * m + j];
                    for (int p = 0; p < k; p++) {
                        ga[i * k + p] += gij * bv[p * m + j];
                        gb[p * m + j] += av[i * k + p] * gij;
                    }
                }
            }
            return new double[][] {ga, gb};
        });
    }

    @Override
    public ReferenceTensor biasAdd(ReferenceTensor x, ReferenceTensor bias) {
        int[] shape = x.shapeView();
        if (bias.rank() != 1 || bias.size() != shape[shape.length - 1]) {
            throw new IllegalArgumentException("biasAdd needs a bias over the last axis of " + x + ", got " + bias);
        }
        return add(x, bias);
    }

    /** Output length and padding before, TensorFlow's: 'same' puts the odd pixel at the end. */
    private static int[] window(Padding padding, int in, int window, int stride, String what) {
        int out = padding == Padding.SAME ? (in + stride - 1) / stride : (in - window) / stride + 1;
        if (out <= 0 || (padding == Padding.VALID && in < window)) {
            throw new IllegalArgumentException(what + ": window " + window + " does not fit input size " + in);
        }
        int before = padding == Padding.SAME ? Math.max((out - 1) * stride + window - in, 0) / 2 : 0;
        return new int[] {out, before};
    }

    @Override
    public ReferenceTensor conv2d(ReferenceTensor x, ReferenceTensor kernel, Convolution c) {
        int[] xs = x.shapeView();
        int[] ks = kernel.shapeView();
        int n = xs[0];
        int h = xs[1];
        int w = xs[2];
        int channels = xs[3];
        int kh = ks[0];
        int kw = ks[1];
        int groupIn = ks[2];
        int filters = ks[3];
        if (xs.length != 4 || ks.length != 4 || groupIn * c.groups() != channels || filters % c.groups() != 0) {
            throw new IllegalArgumentException("conv2d of " + x + " with kernel " + kernel + " in " + c.groups()
                    + " groups");
        }
        int groupOut = filters / c.groups();
        int[] rows = window(c.padding(), h, (kh - 1) * c.dilationHeight() + 1, c.strideHeight(), "conv2d");
        int[] cols = window(c.padding(), w, (kw - 1) * c.dilationWidth() + 1, c.strideWidth(), "conv2d");
        int oh = rows[0];
        int ow = cols[0];
        double[] xv = x.valuesView();
        double[] kv = kernel.valuesView();
        double[] out = new double[n * oh * ow * filters];
        ConvVisitor visit = (xi, ki, oi) -> out[oi] += xv[xi] * kv[ki];
        convolve(n, h, w, channels, kh, kw, groupIn, groupOut, filters, oh, ow, rows[1], cols[1], c, visit);
        return record(new int[] {n, oh, ow, filters}, out, new ReferenceTensor[] {x, kernel}, g -> {
            double[] gx = new double[xv.length];
            double[] gk = new double[kv.length];
            convolve(n, h, w, channels, kh, kw, groupIn, groupOut, filters, oh, ow, rows[1], cols[1], c,
                    (xi, ki, oi) -> {
                        gx[xi] += g[oi] * kv[ki];
                        gk[ki] += g[oi] * xv[xi];
                    });
            return new double[][] {gx, gk};
        });
    }

    /** One multiply of a convolution: input index, kernel index, output index. */
    @FunctionalInterface
    private interface ConvVisitor {
        void visit(int input, int kernel, int output);
    }

    private static void convolve(int n, int h, int w, int channels, int kh, int kw, int groupIn, int groupOut,
            int filters, int oh, int ow, int top, int left, Convolution c, ConvVisitor visitor) {
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int outBase = ((b * oh + oy) * ow + ox) * filters;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * c.strideHeight() + ky * c.dilationHeight() - top;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * c.strideWidth() + kx * c.dilationWidth() - left;
                            if (ix < 0 || ix >= w) {
                                continue;
                            }
                            int inBase = ((b * h + iy) * w + ix) * channels;
                            for (int f = 0; f < filters; f++) {
                                int group = f / groupOut;
                                for (int ci = 0; ci < groupIn; ci++) {
                                    visitor.visit(inBase + group * groupIn + ci,
                                            ((ky * kw + kx) * groupIn + ci) * filters + f, outBase + f);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public ReferenceTensor maxPool(ReferenceTensor x, PoolingWindow window) {
        return pool(x, window, true);
    }

    @Override
    public ReferenceTensor averagePool(ReferenceTensor x, PoolingWindow window) {
        return pool(x, window, false);
    }

    /**
     * Max pooling never selects padding and sends the gradient to the first largest value of a window,
     * as TensorFlow's MaxPoolGrad; average pooling divides by the values inside the image only.
     */
    private ReferenceTensor pool(ReferenceTensor x, PoolingWindow p, boolean max) {
        int[] xs = x.shapeView();
        int n = xs[0];
        int h = xs[1];
        int w = xs[2];
        int channels = xs[3];
        int[] rows = window(p.padding(), h, p.poolHeight(), p.strideHeight(), "pool");
        int[] cols = window(p.padding(), w, p.poolWidth(), p.strideWidth(), "pool");
        int oh = rows[0];
        int ow = cols[0];
        double[] xv = x.valuesView();
        double[] out = new double[n * oh * ow * channels];
        // Max: the input index chosen per output; average: how many inputs each output covers.
        int[] chosen = new int[out.length];
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int ch = 0; ch < channels; ch++) {
                        int o = ((b * oh + oy) * ow + ox) * channels + ch;
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int ky = 0; ky < p.poolHeight(); ky++) {
                            int iy = oy * p.strideHeight() + ky - rows[1];
                            for (int kx = 0; kx < p.poolWidth() && iy >= 0 && iy < h; kx++) {
                                int ix = ox * p.strideWidth() + kx - cols[1];
                                if (ix < 0 || ix >= w) {
                                    continue;
                                }
                                int i = ((b * h + iy) * w + ix) * channels + ch;
                                if (!max) {
                                    acc += xv[i];
                                    count++;
                                } else if (xv[i] > acc) {
                                    acc = xv[i];
                                    chosen[o] = i;
                                }
                            }
                        }
                        out[o] = max ? acc : acc / count;
                        if (!max) {
                            chosen[o] = count;
                        }
                    }
                }
            }
        }
        return record(new int[] {n, oh, ow, channels}, out, new ReferenceTensor[] {x}, g -> {
            double[] gx = new double[xv.length];
            for (int b = 0; b < n; b++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int ch = 0; ch < channels; ch++) {
                            int o = ((b * oh + oy) * ow + ox) * channels + ch;
                            if (max) {
                                gx[chosen[o]] += g[o];
                                continue;
                            }
                            for (int ky = 0; ky < p.poolHeight(); ky++) {
                                int iy = oy * p.strideHeight() + ky - rows[1];
                                for (int kx = 0; kx < p.poolWidth() && iy >= 0 && iy < h; kx++) {
                                    int ix = ox * p.strideWidth() + kx - cols[1];
                                    if (ix >= 0 && ix < w) {
                                        gx[((b * h + iy) * w + ix) * channels + ch] += g[o] / chosen[o];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return new double[][] {gx};
        });
    }

    @Override
    public Normalized<ReferenceTensor> batchNormTraining(ReferenceTensor x, ReferenceTensor gamma,
            ReferenceTensor beta, float epsilon) {
        double[] xv = x.valuesView();
        int channels = gamma.size();
        int count = xv.length / channels;
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (int i = 0; i < xv.length; i++) {
            mean[i % channels] += xv[i];
        }
        for (int k = 0; k < channels; k++) {
            mean[k] /= count;
        }
        for (int i = 0; i < xv.length; i++) {
            double d = xv[i] - mean[i % channels];
            variance[i % channels] += d * d;
        }
        double[] inverse = new double[channels];
        for (int k = 0; k < channels; k++) {
            variance[k] /= count;
            inverse[k] = 1 / Math.sqrt(variance[k] + epsilon);
        }
        double[] gv = gamma.valuesView();
        double[] bv = beta.valuesView();
        double[] normalized = new double[xv.length];
        double[] out = new double[xv.length];
        for (int i = 0; i < xv.length; i++) {
            int k = i % channels;
            normalized[i] = (xv[i] - mean[k]) * inverse[k];
            out[i] = normalized[i] * gv[k] + bv[k];
        }
        ReferenceTensor output = record(x.shape(), out, new ReferenceTensor[] {x, gamma, beta}, g -> {
            double[] gBeta = new double[channels];
            double[] gGamma = new double[channels];
            for (int i = 0; i < g.length; i++) {
                gBeta[i % channels] += g[i];
                gGamma[i % channels] += g[i] * normalized[i];
            }
            double[] gx = new double[xv.length];
            for (int i = 0; i < gx.length; i++) {
                int k = i % channels;
                gx[i] = gv[k] * inverse[k] * (g[i] - gBeta[k] / count - normalized[i] * gGamma[k] / count);
            }
            return new double[][] {gx, gGamma, gBeta};
        });
        return new Normalized<>(output, ReferenceTensor.leaf(new int[] {channels}, mean),
                ReferenceTensor.leaf(new int[] {channels}, variance));
    }

    @Override
    public ReferenceTensor batchNormInference(ReferenceTensor x, ReferenceTensor gamma, ReferenceTensor beta,
            ReferenceTensor mean, ReferenceTensor variance, float epsilon) {
        double[] xv = x.valuesView();
        double[] gv = gamma.valuesView();
        double[] bv = beta.valuesView();
        double[] mv = mean.valuesView();
        double[] vv = variance.valuesView();
        int channels = gv.length;
        double[] out = new double[xv.length];
        for (int i = 0; i < xv.length; i++) {
            int k = i % channels;
            out[i] = (xv[i] - mv[k]) / Math.sqrt(vv[k] + epsilon) * gv[k] + bv[k];
        }
        return record(x.shape(), out, new ReferenceTensor[] {x, gamma, beta, mean, variance}, g -> {
            double[] gx = new double[xv.length];
            double[] gGamma = new double[channels];
            double[] gBeta = new double[channels];
            double[] gMean = new double[channels];
            double[] gVariance = new double[channels];
            for (int i = 0; i < g.length; i++) {
                int k = i % channels;
                double inverse = 1 / Math.sqrt(vv[k] + epsilon);
                gx[i] = g[i] * gv[k] * inverse;
                gGamma[k] += g[i] * (xv[i] - mv[k]) * inverse;
                gBeta[k] += g[i];
                gMean[k] -= g[i] * gv[k] * inverse;
                gVariance[k] -= 0.5 * g[i] * gv[k] * (xv[i] - mv[k]) * inverse * inverse * inverse;
            }
            return new double[][] {gx, gGamma, gBeta, gMean, gVariance};
        });
    }

    // ---- index helpers

    private static int[] strides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= shape[d];
        }
        return strides;
    }

    private static void increment(int[] counter, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++counter[d] < shape[d]) {
                return;
            }
            counter[d] = 0;
        }
    }
}
