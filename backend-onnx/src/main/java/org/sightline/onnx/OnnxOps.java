package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.ops.Ops;
import org.tribuo.util.onnx.ONNXOperator;

/**
 * The operations as ONNX nodes: each call appends the nodes that compute it to an {@link OnnxGraph}
 * and returns the name of the value they give, so running a model's {@code call} over these operations
 * writes its inference graph. Weights ({@link #read}) become initializers taken from Keras-layout
 * {@link Weights}, converted where an operator wants another layout (Conv kernels to
 * {@code [out, in, kh, kw]}) when the graph is written, never by nodes at run time.
 *
 * <p>ONNX's Conv and pools work on NCHW, the interface on NHWC. Each value remembers whether its 4-D
 * data is physically NCHW; convolutions and pools leave their output NCHW, element-wise operations,
 * activations, softmax and batch normalisation work in either layout, and only what depends on the
 * order of the values (reshape, matmul, the model's output) moves back to NHWC, so a CNN gets one
 * Transpose after its input and one before it is flattened, whatever its depth. A bias added to the output
 * of a Conv or Gemm becomes that node's bias input rather than an Add.
 *
 * <p>Inference only: {@link #assign}, {@link #hyperparameter} and {@link #randomUniform} belong to
 * training steps and throw {@link UnsupportedOperationException}.
 */
final class OnnxOps implements Ops<String> {
    /** Keras's activation names, for the output-activation metadata. */
    static final String LINEAR = "linear";
    private static final int[] NHWC_TO_NCHW = {0, 3, 1, 2};
    private static final int[] NCHW_TO_NHWC = {0, 2, 3, 1};
    /** Conv kernels: Keras {@code [kh, kw, in, out]} to ONNX {@code [out, in, kh, kw]}. */
    private static final int[] KERAS_TO_ONNX_KERNEL = {3, 2, 0, 1};
    private static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();

    private final OnnxGraph graph;
    private final Weights weights;
    /** Every value so far by name: its logical (NHWC) dimensions, -1 for the batch, and physical layout. */
    private final Map<String, Value> values = new HashMap<>();
    /** The values whose data is known while the graph is written: weights and constants. */
    private final Map<String, FloatTensor> known = new HashMap<>();
    /** Initializers of known values in another form than their own, by value and form. */
    private final Map<String, String> forms = new HashMap<>();
    /** Layout conversions already in the graph: a value's other-layout twin. */
    private final Map<String, String> converted = new HashMap<>();
    /** Which Keras activation gave a value, for the output-activation metadata. */
    private final Map<String, String> activations = new HashMap<>();
    /** Values that some node reads; a Conv or Gemm output nobody reads yet may still take its bias. */
    private final Set<String> read = new HashSet<>();
    /** Conv or Gemm outputs that took a bias: how to compute them again should someone still read them. */
    private final Map<String, Node> beforeBias = new HashMap<>();
    /** The producers of Conv and Gemm outputs that have no bias yet. */
    private final Map<String, Node> biasless = new HashMap<>();
    private final Map<Integer, String> scalars = new HashMap<>();

    /** A node as this class emitted it, kept to rebuild it with a bias. */
    private record Node(ONNXOperator op, List<String> inputs, Map<String, Object> attributes) {
    }

    /**
     * What the graph knows of a value.
     *
     * @param dims logical NHWC dimensions, batch axis included; -1 where dynamic (the batch)
     * @param nchw whether its 4-D data is stored NCHW (always false for other ranks)
     */
    private record Value(int[] dims, boolean nchw) {
        int rank() {
            return dims.length;
        }
    }

    OnnxOps(OnnxGraph graph, Weights weights) {
        this.graph = graph;
        this.weights = weights;
    }

    /** Declares the model's NHWC image input with a dynamic batch. */
    String input(String name, Shape image) {
        graph.input(name, -1, image.height(), image.width(), image.channels());
        return define(name, new int[] {-1, image.height(), image.width(), image.channels()}, false);
    }

    /**
     * Makes {@code value} the model's output, called {@code name}, in NHWC order with a dynamic batch.
     *
     * @return the Keras name of the activation that gave the output, {@value #LINEAR} if none did
     */
    String output(String value, String name) {
        String activation = activations.getOrDefault(value, LINEAR);
        String nhwc = nhwc(value);
        restore(nhwc);
        if (graph.isNodeOutput(nhwc)) {
            graph.rename(nhwc, name);
        } else {
            // The input itself or a weight: an Identity gives it the output's name.
            graph.node(Opset.IDENTITY, List.of(use(nhwc)), name, Map.of());
        }
        graph.output(name, Arrays.stream(values.get(nhwc).dims()).asLongStream().toArray());
        return activation;
    }

    // ---- values from outside

    @Override
    public String constant(float value) {
        return scalars.computeIfAbsent(Float.floatToIntBits(value), bits -> {
            String name = fresh("constant");
            graph.initializer(name, new int[0], new float[] {value});
            return define(name, new int[0], false);
        });
    }

    @Override
    public String constant(FloatTensor value) {
        String name = fresh("constant");
        graph.initializer(name, value.shape(), value.toArray());
        known.put(name, value);
        return define(name, value.shape(), false);
    }

    @Override
    public String hyperparameter(String name) {
        throw inferenceOnly("hyperparameter('" + name + "')");
    }

    /** Weight {@code name}; its initializer is written in the form the first reader needs. */
    @Override
    public String read(String name) {
        if (!known.containsKey(name)) {
            FloatTensor tensor = weights.get(name);
            known.put(name, tensor);
            values.put(name, new Value(tensor.shape(), false));
        }
        return name;
    }

    @Override
    public void assign(String name, String value) {
        throw inferenceOnly("assign('" + name + "')");
    }

    @Override
    public String randomUniform(String like, int stream) {
        throw inferenceOnly("randomUniform");
    }

    private static UnsupportedOperationException inferenceOnly(String op) {
        return new UnsupportedOperationException("ONNX export writes inference graphs; " + op
                + " belongs to training and has no ONNX form here");
    }

    // ---- element-wise

    @Override
    public String add(String a, String b) {
        return binary(Opset.ADD, a, b, "add");
    }

    @Override
    public String subtract(String a, String b) {
        return binary(Opset.SUB, a, b, "sub");
    }

    @Override
    public String multiply(String a, String b) {
        return binary(Opset.MUL, a, b, "mul");
    }

    @Override
    public String divide(String a, String b) {
        return binary(Opset.DIV, a, b, "div");
    }

    @Override
    public String maximum(String a, String b) {
        return binary(Opset.MAX, a, b, "max");
    }

    @Override
    public String minimum(String a, String b) {
        return binary(Opset.MIN, a, b, "min");
    }

    @Override
    public String negative(String x) {
        return unary(Opset.NEG, x, "neg", Map.of());
    }

    @Override
    public String square(String x) {
        return binary(Opset.MUL, x, x, "square");
    }

    @Override
    public String sqrt(String x) {
        return unary(Opset.SQRT, x, "sqrt", Map.of());
    }

    @Override
    public String exp(String x) {
        return unary(Opset.EXP, x, "exp", Map.of());
    }

    @Override
    public String log(String x) {
        return unary(Opset.LOG, x, "log", Map.of());
    }

    @Override
    public String relu(String x) {
        return activation(Opset.RELU, x, "relu", Map.of());
    }

    @Override
    public String sigmoid(String x) {
        return activation(Opset.SIGMOID, x, "sigmoid", Map.of());
    }

    @Override
    public String tanh(String x) {
        return activation(Opset.TANH, x, "tanh", Map.of());
    }

    @Override
    public String erf(String x) {
        return unary(Opset.ERF, x, "erf", Map.of());
    }

    @Override
    public String greaterEqual(String a, String b) {
        return toFloat(binary(Opset.GREATER_OR_EQUAL, a, b, "greater_equal"));
    }

    @Override
    public String equal(String a, String b) {
        return toFloat(binary(Opset.EQUAL, a, b, "equal"));
    }

    @Override
    public String softmax(String x) {
        return activation(Opset.SOFTMAX, x, "softmax", Map.of("axis", lastAxis(x)));
    }

    @Override
    public String logSoftmax(String x) {
        return unary(Opset.LOG_SOFTMAX, x, "log_softmax", Map.of("axis", lastAxis(x)));
    }

    // ---- reductions

    @Override
    public String sum(String x, int[] axes, boolean keepDims) {
        return reduce(Opset.REDUCE_SUM, x, axes, keepDims, "sum");
    }

    @Override
    public String mean(String x, int[] axes, boolean keepDims) {
        return reduce(Opset.REDUCE_MEAN, x, axes, keepDims, "mean");
    }

    @Override
    public String max(String x, int[] axes, boolean keepDims) {
        return reduce(Opset.REDUCE_MAX, x, axes, keepDims, "reduce_max");
    }

    @Override
    public String argmax(String x, int axis) {
        int[] logical = {axis(x, axis)};
        String physical = keepsOrder(x, logical) ? x : nhwc(x);
        Value v = values.get(physical);
        int[] onPhysical = physicalAxes(v, logical);
        String name = fresh("argmax");
        graph.node(Opset.ARG_MAX, List.of(use(physical)), name,
                Map.of("axis", onPhysical[0], "keepdims", 0));
        define(name, remove(v.dims, logical), false);
        return toFloat(name);
    }

    // ---- shapes

    @Override
    public String reshape(String x, int... exampleShape) {
        String nhwc = nhwc(x);
        Value v = values.get(nhwc);
        int[] dims = new int[exampleShape.length + 1];
        dims[0] = v.dims[0];
        System.arraycopy(exampleShape, 0, dims, 1, exampleShape.length);
        if (Arrays.equals(dims, v.dims)) {
            return nhwc;
        }
        String name;
        if (exampleShape.length == 1) {
            // ONNX Flatten needs no shape tensor and states the intent: one vector per example.
            name = fresh("flatten");
            graph.node(Opset.FLATTEN, List.of(use(nhwc)), name, Map.of("axis", 1));
        } else {
            long[] shape = new long[dims.length];
            // 0 keeps the input's dimension: the dynamic batch.
            for (int i = 1; i < dims.length; i++) {
                shape[i] = exampleShape[i - 1];
            }
            name = fresh("reshape");
            graph.node(Opset.RESHAPE, List.of(use(nhwc), graph.longInitializer(fresh(name + "/shape"), shape)), name,
                    Map.of());
        }
        return define(name, dims, false);
    }

    @Override
    public String transpose(String x, int... permutation) {
        Value v = values.get(x);
        if (permutation.length != v.rank()) {
            throw new IllegalArgumentException("transpose of a rank-" + v.rank() + " tensor needs " + v.rank()
                    + " axes, got " + Arrays.toString(permutation));
        }
        // One Transpose from the stored layout straight to the requested one.
        int[] physical = physicalAxes(v, permutation);
        int[] dims = new int[permutation.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = v.dims[permutation[i]];
        }
        String name = fresh("transpose");
        graph.node(Opset.TRANSPOSE, List.of(use(x)), name, Map.of("perm", physical));
        return define(name, dims, false);
    }

    @Override
    public String concat(List<String> tensors, int axis) {
        boolean nchw = tensors.stream().anyMatch(t -> values.get(t).nchw())
                && tensors.stream().allMatch(t -> values.get(t).rank() == 4);
        List<String> inputs = new ArrayList<>(tensors.size());
        for (String t : tensors) {
            inputs.add(use(nchw ? nchw(t) : nhwc(t)));
        }
        Value first = values.get(inputs.get(0));
        int logical = axis(inputs.get(0), axis);
        int[] dims = first.dims.clone();
        for (int i = 1; i < inputs.size(); i++) {
            int d = values.get(inputs.get(i)).dims[logical];
            dims[logical] = dims[logical] < 0 || d < 0 ? -1 : dims[logical] + d;
        }
        String name = fresh("concat");
        graph.node(Opset.CONCAT, inputs, name, Map.of("axis", physicalAxes(first, new int[] {logical})[0]));
        return define(name, dims, nchw);
    }

    @Override
    public String slice(String x, int[] begin, int[] size) {
        Value v = values.get(x);
        int[] dims = v.dims.clone();
        List<Long> starts = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        List<Long> axes = new ArrayList<>();
        for (int a = 0; a < v.rank(); a++) {
            boolean toEnd = size[a] < 0;
            if (begin[a] == 0 && (toEnd || size[a] == v.dims[a])) {
                continue;
            }
            starts.add((long) begin[a]);
            ends.add(toEnd ? Long.MAX_VALUE : begin[a] + size[a]);
            axes.add((long) physicalAxes(v, new int[] {a})[0]);
            dims[a] = toEnd ? (v.dims[a] < 0 ? -1 : v.dims[a] - begin[a]) : size[a];
        }
        if (axes.isEmpty()) {
            return x;
        }
        String name = fresh("slice");
        graph.node(Opset.SLICE, List.of(use(x), longs(name + "/starts", starts), longs(name + "/ends", ends),
                longs(name + "/axes", axes)), name, Map.of());
        return define(name, dims, v.nchw());
    }

    @Override
    public String pad(String x, int[][] paddings) {
        Value v = values.get(x);
        long[] pads = new long[2 * v.rank()];
        int[] dims = v.dims.clone();
        for (int a = 0; a < v.rank(); a++) {
            int p = physicalAxes(v, new int[] {a})[0];
            pads[p] = paddings[a][0];
            pads[v.rank() + p] = paddings[a][1];
            dims[a] = v.dims[a] < 0 ? -1 : v.dims[a] + paddings[a][0] + paddings[a][1];
        }
        String name = fresh("pad");
        graph.node(Opset.PAD, List.of(use(x), graph.longInitializer(fresh(name + "/pads"), pads)), name, Map.of());
        return define(name, dims, v.nchw());
    }

    // ---- neural-network operations

    @Override
    public String matmul(String a, String b) {
        String left = nhwc(a);
        String right = nhwc(b);
        Value va = values.get(left);
        Value vb = values.get(right);
        int[] dims = va.dims.clone();
        dims[dims.length - 1] = vb.dims[vb.rank() - 1];
        if (va.rank() == 2 && vb.rank() == 2) {
            String name = fresh(scope(right, "gemm"));
            Node gemm = new Node(Opset.GEMM, List.of(use(left), use(right)), Map.of());
            graph.node(gemm.op(), gemm.inputs(), name, gemm.attributes());
            biasless.put(name, gemm);
            return define(name, dims, false);
        }
        String name = fresh(scope(right, "matmul"));
        graph.node(Opset.MAT_MUL, List.of(use(left), use(right)), name, Map.of());
        return define(name, dims, false);
    }

    /**
     * {@code x + bias}. A bias after a Conv or Gemm that nothing else reads yet becomes the node's third
     * input, as Keras's own layers and today's runtimes fuse them.
     */
    @Override
    public String biasAdd(String x, String bias) {
        Node producer = biasless.get(x);
        Value vb = values.get(bias);
        if (producer != null && !read.contains(x) && vb.rank() == 1) {
            biasless.remove(x);
            List<String> inputs = new ArrayList<>(producer.inputs());
            inputs.add(use(bias));
            String name = fresh(x + "/bias");
            graph.replace(x, producer.op(), inputs, name, producer.attributes());
            // x itself is gone from the graph; restore() writes it again if someone reads it after all.
            beforeBias.put(x, producer);
            return define(name, values.get(x).dims(), values.get(x).nchw());
        }
        return binary(Opset.ADD, x, bias, "bias_add");
    }

    @Override
    public String conv2d(String x, String kernel, Convolution convolution) {
        String input = nchw(x);
        Value v = values.get(input);
        int[] k = values.get(kernel).dims();
        int height = spatial(v, 1, "conv2d");
        int width = spatial(v, 2, "conv2d");
        int effectiveHeight = (k[0] - 1) * convolution.dilationHeight() + 1;
        int effectiveWidth = (k[1] - 1) * convolution.dilationWidth() + 1;
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("kernel_shape", new int[] {k[0], k[1]});
        attributes.put("strides", new int[] {convolution.strideHeight(), convolution.strideWidth()});
        attributes.put("pads", pads(convolution.padding(), height, width, effectiveHeight, effectiveWidth,
                convolution.strideHeight(), convolution.strideWidth()));
        if (convolution.dilationHeight() != 1 || convolution.dilationWidth() != 1) {
            attributes.put("dilations", new int[] {convolution.dilationHeight(), convolution.dilationWidth()});
        }
        if (convolution.groups() != 1) {
            attributes.put("group", convolution.groups());
        }
        Node conv = new Node(Opset.CONV, List.of(use(input), onnxKernel(kernel)), attributes);
        String name = fresh(scope(kernel, "conv"));
        graph.node(conv.op(), conv.inputs(), name, conv.attributes());
        biasless.put(name, conv);
        int[] dims = {v.dims[0],
                outputLength(convolution.padding(), height, effectiveHeight, convolution.strideHeight()),
                outputLength(convolution.padding(), width, effectiveWidth, convolution.strideWidth()), k[3]};
        return define(name, dims, true);
    }

    @Override
    public String maxPool(String x, PoolingWindow window) {
        return pool(Opset.MAX_POOL, x, window, "max_pool", Map.of());
    }

    @Override
    public String averagePool(String x, PoolingWindow window) {
        // Keras leaves the padding out of the count.
        return pool(Opset.AVERAGE_POOL, x, window, "average_pool", Map.of("count_include_pad", 0));
    }

    @Override
    public Normalized<String> batchNormTraining(String x, String gamma, String beta, float epsilon) {
        int rank = values.get(x).rank();
        int[] axes = new int[rank - 1];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        String mean = mean(x, axes, false);
        String centered = subtract(x, mean);
        String variance = mean(square(centered), axes, false);
        String normalized = divide(centered, sqrt(add(variance, constant(epsilon))));
        return new Normalized<>(add(multiply(normalized, gamma), beta), mean, variance);
    }

    @Override
    public String batchNormInference(String x, String gamma, String beta, String mean, String variance,
            float epsilon) {
        int rank = values.get(x).rank();
        if (rank != 2 && rank != 4) {
            String scale = divide(gamma, sqrt(add(variance, constant(epsilon))));
            return add(multiply(subtract(x, mean), scale), beta);
        }
        // ONNX normalises over axis 1: the channels of NCHW images and of (batch, units) vectors alike.
        String input = rank == 4 ? nchw(x) : x;
        String name = fresh(scope(gamma, "batch_norm"));
        graph.node(Opset.BATCH_NORMALIZATION, List.of(use(input), use(gamma), use(beta), use(mean), use(variance)),
                name, Map.of("epsilon", epsilon));
        return define(name, values.get(input).dims(), rank == 4);
    }

    // ---- helpers

    private String pool(ONNXOperator op, String x, PoolingWindow window, String base, Map<String, Object> extra) {
        String input = nchw(x);
        Value v = values.get(input);
        int height = spatial(v, 1, base);
        int width = spatial(v, 2, base);
        Map<String, Object> attributes = new LinkedHashMap<>(extra);
        attributes.put("kernel_shape", new int[] {window.poolHeight(), window.poolWidth()});
        attributes.put("strides", new int[] {window.strideHeight(), window.strideWidth()});
        attributes.put("pads", pads(window.padding(), height, width, window.poolHeight(), window.poolWidth(),
                window.strideHeight(), window.strideWidth()));
        String name = fresh(base);
        graph.node(op, List.of(use(input)), name, attributes);
        int[] dims = {v.dims[0], outputLength(window.padding(), height, window.poolHeight(), window.strideHeight()),
                outputLength(window.padding(), width, window.poolWidth(), window.strideWidth()), v.dims[3]};
        return define(name, dims, true);
    }

    private String unary(ONNXOperator op, String x, String base, Map<String, Object> attributes) {
        Value v = values.get(x);
        String name = fresh(base);
        graph.node(op, List.of(use(x)), name, attributes);
        return define(name, v.dims(), v.nchw());
    }

    private String activation(ONNXOperator op, String x, String kerasName, Map<String, Object> attributes) {
        String y = unary(op, x, kerasName, attributes);
        activations.put(y, kerasName);
        return y;
    }

    /** Booleans or int64 indices as the 0/1 or index floats Ops gives. */
    private String toFloat(String x) {
        return unary(Opset.CAST, x, "cast", Map.of("to", FLOAT));
    }

    /**
     * An element-wise binary operator, broadcasting as NumPy. When one side is stored NCHW, the other is
     * brought to it (a channel vector becomes {@code [c, 1, 1]}), so an image stays NCHW.
     */
    private String binary(ONNXOperator op, String a, String b, String base) {
        Value va = values.get(a);
        Value vb = values.get(b);
        int[] dims = broadcast(va.dims, vb.dims);
        String left = a;
        String right = b;
        boolean nchw = va.nchw() || vb.nchw();
        if (nchw) {
            String[] sides = {a, b};
            for (int i = 0; i < 2; i++) {
                Value side = values.get(sides[i]);
                if (side.rank() == 4) {
                    sides[i] = nchw(sides[i]);
                } else if (side.rank() == 1) {
                    sides[i] = channelVector(sides[i]);
                } else if (side.rank() != 0) {
                    nchw = false;
                }
            }
            if (nchw) {
                left = sides[0];
                right = sides[1];
            } else {
                // A suffix of two or three axes: broadcast in NHWC, where the suffix means what it says.
                left = va.rank() == 4 ? nhwc(a) : a;
                right = vb.rank() == 4 ? nhwc(b) : b;
            }
        }
        String name = fresh(base);
        graph.node(op, List.of(use(left), use(right)), name, Map.of());
        return define(name, dims, nchw && dims.length == 4);
    }

    /** A vector over the channels, shaped {@code [c, 1, 1]} to broadcast over NCHW images. */
    private String channelVector(String vector) {
        int channels = values.get(vector).dims[0];
        String key = vector + "/nchw";
        String existing = forms.get(key);
        if (existing != null) {
            return existing;
        }
        String name = fresh(key);
        if (known.containsKey(vector)) {
            graph.initializer(name, new int[] {channels, 1, 1}, known.get(vector).toArray());
        } else {
            graph.node(Opset.RESHAPE, List.of(use(vector), graph.longInitializer(fresh(name + "/shape"),
                    new long[] {channels, 1, 1})), name, Map.of());
        }
        forms.put(key, name);
        return define(name, new int[] {channels, 1, 1}, false);
    }

    /** The kernel as ONNX's Conv takes it: an initializer when it is a weight, else a Transpose. */
    private String onnxKernel(String kernel) {
        String key = kernel + "/oihw";
        String existing = forms.get(key);
        if (existing != null) {
            return existing;
        }
        FloatTensor tensor = known.get(kernel);
        String name = fresh(key);
        if (tensor != null) {
            int[] s = tensor.shape();
            graph.initializer(name, new int[] {s[3], s[2], s[0], s[1]}, convKernelToOnnx(tensor));
        } else {
            graph.node(Opset.TRANSPOSE, List.of(use(kernel)), name, Map.of("perm", KERAS_TO_ONNX_KERNEL));
        }
        forms.put(key, name);
        return name;
    }

    private String reduce(ONNXOperator op, String x, int[] axes, boolean keepDims, String base) {
        if (axes.length == 0) {
            // NumPy's reduction over no axes: the values unchanged.
            return x;
        }
        int[] logical = Arrays.stream(axes).map(a -> axis(x, a)).sorted().distinct().toArray();
        String input = keepDims || keepsOrder(x, logical) ? x : nhwc(x);
        Value v = values.get(input);
        int[] physical = physicalAxes(v, logical);
        int[] dims;
        if (keepDims) {
            dims = v.dims.clone();
            for (int a : logical) {
                dims[a] = 1;
            }
        } else {
            dims = remove(v.dims, logical);
        }
        String name = fresh(base);
        if (op == Opset.REDUCE_SUM) {
            graph.node(op, List.of(use(input), graph.longInitializer(fresh(name + "/axes"),
                    Arrays.stream(physical).asLongStream().toArray())), name, Map.of("keepdims", keepDims ? 1 : 0));
        } else {
            graph.node(op, List.of(use(input)), name, Map.of("axes", physical, "keepdims", keepDims ? 1 : 0));
        }
        return define(name, dims, v.nchw() && keepDims);
    }

    /**
     * Whether reducing {@code axes} of {@code x} without keeping them leaves the other axes in NHWC
     * order as stored: true for NHWC values and for NCHW images reduced over all but the channels.
     */
    private boolean keepsOrder(String x, int[] axes) {
        Value v = values.get(x);
        if (!v.nchw()) {
            return true;
        }
        int previous = -1;
        for (int logical : NHWC_TO_NCHW) {
            if (Arrays.stream(axes).noneMatch(a -> a == logical)) {
                if (logical < previous) {
                    return false;
                }
                previous = logical;
            }
        }
        return true;
    }

    /** The stored axes that hold logical (NHWC) axes {@code axes}. */
    private static int[] physicalAxes(Value v, int[] axes) {
        return v.nchw() ? Arrays.stream(axes).map(a -> NCHW_TO_NHWC[a]).toArray() : axes.clone();
    }

    private int axis(String x, int axis) {
        int rank = values.get(x).rank();
        int a = axis == -1 ? rank - 1 : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("Axis " + axis + " is out of range for a rank-" + rank + " tensor");
        }
        return a;
    }

    /** The stored axis of the last logical axis, for softmax. */
    private int lastAxis(String x) {
        Value v = values.get(x);
        return physicalAxes(v, new int[] {v.rank() - 1})[0];
    }

    private static int[] remove(int[] dims, int[] axes) {
        return java.util.stream.IntStream.range(0, dims.length)
                .filter(i -> Arrays.stream(axes).noneMatch(a -> a == i)).map(i -> dims[i]).toArray();
    }

    private static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1 && da >= 0 && db >= 0) {
                throw new IllegalArgumentException("Shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            dims[i] = da == 1 ? db : db == 1 ? da : Math.max(da, db) < 0 ? -1 : Math.max(da, db);
        }
        return dims;
    }

    private static int spatial(Value v, int axis, String op) {
        int d = v.dims[axis];
        if (v.rank() != 4 || d <= 0) {
            throw new IllegalArgumentException(op + " needs an NHWC image of fixed height and width, got dimensions "
                    + Arrays.toString(v.dims));
        }
        return d;
    }

    /** The value in NCHW, converted once however many readers want it so. */
    private String nchw(String x) {
        Value v = values.get(x);
        return v.rank() != 4 || v.nchw() ? x : convert(x, NHWC_TO_NCHW, "/nchw", true);
    }

    /** The value in NHWC order, converted once however many readers want it so. */
    private String nhwc(String x) {
        return values.get(x).nchw() ? convert(x, NCHW_TO_NHWC, "/nhwc", false) : x;
    }

    private String convert(String x, int[] permutation, String suffix, boolean toNchw) {
        String twin = converted.get(x);
        if (twin == null) {
            twin = fresh(x + suffix);
            graph.node(Opset.TRANSPOSE, List.of(use(x)), twin, Map.of("perm", permutation));
            define(twin, values.get(x).dims(), toNchw);
            // Both ways: converting the twin back gives the original, not a third Transpose.
            converted.put(x, twin);
            converted.put(twin, x);
        }
        return twin;
    }

    /** {@code x} as a node input: written if it is a weight not yet in the graph, or a value that took a bias. */
    private String use(String x) {
        restore(x);
        if (known.containsKey(x) && !graph.contains(x)) {
            FloatTensor tensor = known.get(x);
            graph.initializer(x, tensor.shape(), tensor.toArray());
        }
        read.add(x);
        return x;
    }

    /** Writes again the biasless Conv or Gemm behind {@code x} when a reader comes after its bias was fused. */
    private void restore(String x) {
        Node node = beforeBias.remove(x);
        if (node != null) {
            graph.node(node.op(), node.inputs(), x, node.attributes());
        }
    }

    private String define(String name, int[] dims, boolean nchw) {
        values.put(name, new Value(dims.clone(), nchw && dims.length == 4));
        return name;
    }

    private String longs(String name, List<Long> list) {
        return graph.longInitializer(fresh(name), list.stream().mapToLong(Long::longValue).toArray());
    }

    /** {@code base}, or {@code base_1}, {@code base_2} ... if taken. */
    private String fresh(String base) {
        String name = base;
        for (int n = 1; graph.contains(name) || values.containsKey(name); n++) {
            name = base + "_" + n;
        }
        return name;
    }

    /** A node name under its weight's layer, as {@code conv2d/conv}, else the operator's own. */
    private String scope(String weight, String base) {
        int slash = weight.lastIndexOf('/');
        return known.containsKey(weight) && slash > 0 ? weight.substring(0, slash) + "/" + base : base;
    }

    /** TensorFlow's 'same' pads for one axis: {@code {before, after}}, the odd one after. */
    static int[] samePads(int input, int window, int stride) {
        int output = (input + stride - 1) / stride;
        int total = Math.max((output - 1) * stride + window - input, 0);
        return new int[] {total / 2, total - total / 2};
    }

    /** ONNX pads {@code [top, left, bottom, right]} for a window over an image of this height and width. */
    static int[] pads(Padding padding, int height, int width, int windowHeight, int windowWidth, int strideHeight,
            int strideWidth) {
        if (padding == Padding.VALID) {
            return new int[] {0, 0, 0, 0};
        }
        int[] vertical = samePads(height, windowHeight, strideHeight);
        int[] horizontal = samePads(width, windowWidth, strideWidth);
        return new int[] {vertical[0], horizontal[0], vertical[1], horizontal[1]};
    }

    private static int outputLength(Padding padding, int input, int window, int stride) {
        int out = padding == Padding.SAME ? (input + stride - 1) / stride : (input - window) / stride + 1;
        if (out <= 0) {
            throw new IllegalArgumentException("A window of " + window + " does not fit an input of " + input
                    + " with padding 'valid'");
        }
        return out;
    }

    /** Keras {@code [kh, kw, in, out]} to ONNX {@code [out, in, kh, kw]}. */
    static float[] convKernelToOnnx(FloatTensor kernel) {
        int[] s = kernel.shape();
        int kh = s[0];
        int kw = s[1];
        int in = s[2];
        int out = s[3];
        float[] keras = kernel.toArray();
        float[] onnx = new float[keras.length];
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        onnx[((o * in + i) * kh + y) * kw + x] = keras[((y * kw + x) * in + i) * out + o];
                    }
                }
            }
        }
        return onnx;
    }
}
