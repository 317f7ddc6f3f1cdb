package org.sightline.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.IntToDoubleFunction;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sightline.model.FloatTensor;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.ops.Ops.Convolution;

/**
 * Each operation on ONNX Runtime against values computed here by hand, twice: on the NHWC input as it
 * comes, and on the same values stored NCHW (the output of an identity 1x1 convolution), so that the
 * layout a value is kept in never shows in a result.
 */
class OnnxOpsTest {
    /** Batch 2, 2 rows, 3 columns, 2 channels. */
    private static final int[] SHAPE = {2, 2, 3, 2};
    private static final float[] X = new float[24];
    private static final FloatTensor VECTOR = FloatTensor.of(new int[] {2}, new float[] {0.5f, -1.5f});

    static {
        for (int i = 0; i < X.length; i++) {
            // Distinct values of both signs, none zero, so argmax and comparisons have one answer.
            X[i] = ((i * 7) % 24 - 11.5f) / 4;
        }
    }

    /** One case: the operations to run on the input and the values and shape they must give. */
    private record Case(String name, BiFunction<OnnxOps, String, String> op, Expected expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private record Expected(int[] shape, float[] values) {
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("add a channel vector", (o, x) -> o.add(x, o.constant(VECTOR)),
                map(i -> X[i] + VECTOR.get(i % 2))));
        cases.add(new Case("subtract a scalar", (o, x) -> o.subtract(x, o.constant(0.25f)), map(i -> X[i] - 0.25f)));
        cases.add(new Case("multiply by a computed channel vector", (o, x) -> o.multiply(x,
                o.max(x, new int[] {0, 1, 2}, false)), map(i -> X[i] * channelMax(i % 2))));
        cases.add(new Case("divide", (o, x) -> o.divide(x, o.constant(3f)), map(i -> X[i] / 3f)));
        cases.add(new Case("maximum", (o, x) -> o.maximum(x, o.constant(0.5f)), map(i -> Math.max(X[i], 0.5f))));
        cases.add(new Case("minimum", (o, x) -> o.minimum(x, o.constant(0.5f)), map(i -> Math.min(X[i], 0.5f))));
        cases.add(new Case("negative", OnnxOps::negative, map(i -> -X[i])));
        cases.add(new Case("square", OnnxOps::square, map(i -> X[i] * X[i])));
        cases.add(new Case("sqrt of square", (o, x) -> o.sqrt(o.square(x)), map(i -> Math.abs(X[i]))));
        cases.add(new Case("exp", OnnxOps::exp, map(i -> (float) Math.exp(X[i]))));
        cases.add(new Case("log of exp", (o, x) -> o.log(o.exp(x)), map(i -> X[i])));
        cases.add(new Case("relu", OnnxOps::relu, map(i -> Math.max(X[i], 0))));
        cases.add(new Case("sigmoid", OnnxOps::sigmoid, map(i -> (float) (1 / (1 + Math.exp(-X[i]))))));
        cases.add(new Case("tanh", OnnxOps::tanh, map(i -> (float) Math.tanh(X[i]))));
        cases.add(new Case("greater or equal", (o, x) -> o.greaterEqual(x, o.constant(0f)),
                map(i -> X[i] >= 0 ? 1 : 0)));
        cases.add(new Case("equal", (o, x) -> o.equal(x, o.relu(x)), map(i -> X[i] > 0 ? 1 : 0)));
        cases.add(new Case("softmax over the channels", OnnxOps::softmax, map(i -> softmax(i, false))));
        cases.add(new Case("log softmax over the channels", OnnxOps::logSoftmax, map(i -> softmax(i, true))));
        cases.add(new Case("sum over rows and columns", (o, x) -> o.sum(x, new int[] {1, 2}, false),
                reduce(new int[] {2, 2}, i -> (i / 2) * 12 + i % 2, 6, 2, false)));
        cases.add(new Case("mean over the channels, kept", (o, x) -> o.mean(x, new int[] {3}, true),
                reduce(new int[] {2, 2, 3, 1}, i -> i * 2, 2, 1, true)));
        cases.add(new Case("max over all but the channels", (o, x) -> o.max(x, new int[] {0, 1, 2}, false),
                new Expected(new int[] {2}, new float[] {channelMax(0), channelMax(1)})));
        cases.add(new Case("sum over rows, kept", (o, x) -> o.sum(x, new int[] {1}, true),
                reduce(new int[] {2, 1, 3, 2}, i -> (i / 6) * 12 + i % 6, 2, 6, false)));
        cases.add(new Case("sum over the batch", (o, x) -> o.sum(x, new int[] {0}, false),
                reduce(new int[] {2, 3, 2}, i -> i, 2, 12, false)));
        cases.add(new Case("argmax over the channels", (o, x) -> o.argmax(x, 3),
                map(new int[] {2, 2, 3}, i -> X[2 * i + 1] > X[2 * i] ? 1 : 0)));
        cases.add(new Case("argmax over the columns", (o, x) -> o.argmax(x, 2),
                map(new int[] {2, 2, 2}, OnnxOpsTest::argmaxOverColumns)));
        cases.add(new Case("reshape", (o, x) -> o.reshape(x, 6, 2), new Expected(new int[] {2, 6, 2}, X)));
        cases.add(new Case("flatten", (o, x) -> o.reshape(x, 12), new Expected(new int[] {2, 12}, X)));
        cases.add(new Case("transpose to channels first", (o, x) -> o.transpose(x, 0, 3, 1, 2),
                map(new int[] {2, 2, 2, 3}, i -> X[index(i / 12, (i / 3) % 2, i % 3, (i / 6) % 2)])));
        cases.add(new Case("concat over the channels", (o, x) -> o.concat(List.of(x, o.negative(x)), 3),
                map(new int[] {2, 2, 3, 4}, i -> i % 4 < 2 ? X[i / 4 * 2 + i % 4] : -X[i / 4 * 2 + i % 4 - 2])));
        cases.add(new Case("slice", (o, x) -> o.slice(x, new int[] {0, 1, 0, 1}, new int[] {-1, 1, 2, 1}),
                map(new int[] {2, 1, 2, 1}, i -> X[index(i / 2, 1, i % 2, 1)])));
        cases.add(new Case("pad", (o, x) -> o.pad(x, new int[][] {{0, 0}, {1, 0}, {0, 2}, {0, 0}}),
                map(new int[] {2, 3, 5, 2}, OnnxOpsTest::padded)));
        cases.add(new Case("batch norm with batch statistics",
                (o, x) -> o.batchNormTraining(x, o.constant(VECTOR), o.constant(0.25f), 1e-3f).output(),
                map(i -> batchNorm(i, 1e-3f))));
        cases.add(new Case("batch norm statistics: mean", (o, x) -> o.batchNormTraining(x, o.constant(1f),
                o.constant(0f), 1e-3f).mean(), new Expected(new int[] {2}, new float[] {mean(0), mean(1)})));
        cases.add(new Case("batch norm on a rank-3 input", (o, x) -> o.batchNormInference(o.reshape(x, 6, 2),
                o.constant(VECTOR), o.constant(0.25f), o.constant(FloatTensor.of(new int[] {2}, new float[] {1, -1})),
                o.constant(2f), 0.5f), new Expected(new int[] {2, 6, 2}, map(i -> (X[i] - (i % 2 == 0 ? 1 : -1))
                        / (float) Math.sqrt(2.5) * VECTOR.get(i % 2) + 0.25f).values())));
        cases.add(new Case("matmul and bias", (o, x) -> o.biasAdd(o.matmul(o.reshape(x, 12),
                o.constant(FloatTensor.filled(new int[] {12, 3}, 0.5f))), o.constant(FloatTensor.of(new int[] {3},
                new float[] {1, 2, 3}))), map(new int[] {2, 3}, i -> rowSum(i / 3) / 2 + 1 + i % 3)));
        cases.add(new Case("rank-3 matmul", (o, x) -> o.matmul(o.reshape(x, 6, 2),
                o.constant(FloatTensor.of(new int[] {2, 1}, new float[] {1, -1}))),
                map(new int[] {2, 6, 1}, i -> X[2 * i] - X[2 * i + 1])));
        cases.add(new Case("convolution output read again after its bias", (o, x) -> {
            String conv = o.conv2d(x, o.constant(identity()), Convolution.of(Padding.VALID));
            return o.add(o.biasAdd(conv, o.constant(VECTOR)), conv);
        }, map(i -> 2 * X[i] + VECTOR.get(i % 2))));
        cases.add(new Case("grouped dilated convolution", (o, x) -> o.conv2d(x,
                o.constant(FloatTensor.of(new int[] {1, 2, 1, 4}, new float[] {1, 2, 3, 4, -1, -2, -3, -4})),
                new Convolution(1, 1, 1, 2, 2, Padding.VALID)), map(new int[] {2, 2, 1, 4}, OnnxOpsTest::grouped)));
        return cases.stream().flatMap(c -> Stream.of(Arguments.of(c, false), Arguments.of(c, true)));
    }

    @ParameterizedTest(name = "{0}, stored NCHW: {1}")
    @MethodSource("cases")
    void operationGivesTheHandComputedValues(Case c, boolean nchw) throws OrtException {
        Expected actual = run((ops, input) -> c.op().apply(ops, nchw
                ? ops.conv2d(input, ops.constant(identity()), Convolution.of(Padding.VALID)) : input));
        assertArrayEquals(c.expected().shape(), actual.shape(), c.name());
        double difference = TestModels.maxAbsDifference(c.expected().values(), actual.values());
        assertTrue(difference <= 1e-5, c.name() + ": max difference " + difference + ", got "
                + Arrays.toString(actual.values()));
    }

    @Test
    void trainingOperationsAreRefusedByName() {
        OnnxOps ops = new OnnxOps(new OnnxGraph("refused"), Weights.builder().build());
        String x = ops.input("input", Shape.image(1, 1, 1));
        assertTrue(assertThrows(UnsupportedOperationException.class, () -> ops.assign("dense/kernel", x))
                .getMessage().contains("assign('dense/kernel')"));
        assertTrue(assertThrows(UnsupportedOperationException.class, () -> ops.hyperparameter("alpha"))
                .getMessage().contains("hyperparameter('alpha')"));
        assertTrue(assertThrows(UnsupportedOperationException.class, () -> ops.randomUniform(x, 1))
                .getMessage().contains("randomUniform"));
    }

    @Test
    void imagesStayNchwThroughElementWiseOperations() throws OrtException {
        // conv, bias, batch norm, relu, pool, conv, add: one Transpose in, one out, no Add for the biases.
        OnnxGraph graph = new OnnxGraph("chain");
        Weights weights = Weights.builder().put("c/kernel", identity()).put("c/bias", VECTOR)
                .put("n/gamma", VECTOR).put("n/beta", VECTOR).put("n/mean", VECTOR)
                .put("n/variance", FloatTensor.filled(new int[] {2}, 1f)).build();
        OnnxOps ops = new OnnxOps(graph, weights);
        String x = ops.input("input", Shape.image(2, 3, 2));
        Convolution valid = Convolution.of(Padding.VALID);
        String y = ops.biasAdd(ops.conv2d(x, ops.read("c/kernel"), valid), ops.read("c/bias"));
        y = ops.relu(ops.batchNormInference(y, ops.read("n/gamma"), ops.read("n/beta"), ops.read("n/mean"),
                ops.read("n/variance"), 1e-3f));
        y = ops.maxPool(y, PoolingWindow.of(1));
        y = ops.add(ops.biasAdd(ops.conv2d(y, ops.read("c/kernel"), valid), ops.read("c/bias")), y);
        ops.output(y, "out");
        List<String> types = graph.build().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals(List.of("Transpose", "Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Add",
                "Transpose"), types);
    }

    /** Runs the operations on {@link #X} on ONNX Runtime; the output's shape and values, NHWC. */
    private static Expected run(BiFunction<OnnxOps, String, String> build) throws OrtException {
        OnnxGraph graph = new OnnxGraph("ops");
        OnnxOps ops = new OnnxOps(graph, Weights.builder().build());
        String input = ops.input("input", Shape.image(SHAPE[1], SHAPE[2], SHAPE[3]));
        ops.output(build.apply(ops, input), "output");
        ModelProto model = ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Opset.VERSION))
                .setGraph(graph.build()).build();
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(model.toByteArray());
                OnnxTensor tensor = OnnxTensor.createTensor(environment, FloatBuffer.wrap(X),
                        Arrays.stream(SHAPE).asLongStream().toArray());
                OrtSession.Result result = session.run(Map.of("input", tensor))) {
            OnnxTensor output = (OnnxTensor) result.get(0);
            FloatBuffer buffer = output.getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return new Expected(Arrays.stream(output.getInfo().getShape()).mapToInt(Math::toIntExact).toArray(),
                    values);
        }
    }

    private static FloatTensor identity() {
        return FloatTensor.of(new int[] {1, 1, 2, 2}, new float[] {1, 0, 0, 1});
    }

    private static int index(int n, int h, int w, int c) {
        return ((n * SHAPE[1] + h) * SHAPE[2] + w) * SHAPE[3] + c;
    }

    private static Expected map(IntToDoubleFunction value) {
        return map(SHAPE, value);
    }

    private static Expected map(int[] shape, IntToDoubleFunction value) {
        float[] values = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) value.applyAsDouble(i);
        }
        return new Expected(shape, values);
    }

    /** Output {@code i} is the sum (or mean) of {@code count} inputs from {@code first(i)}, {@code stride} apart. */
    private static Expected reduce(int[] shape, IntUnaryOperator first, int count, int stride,
            boolean mean) {
        return map(shape, i -> {
            double sum = 0;
            for (int k = 0; k < count; k++) {
                sum += X[first.applyAsInt(i) + k * stride];
            }
            return mean ? sum / count : sum;
        });
    }

    private static float channelMax(int c) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = c; i < X.length; i += 2) {
            max = Math.max(max, X[i]);
        }
        return max;
    }

    private static float mean(int c) {
        double sum = 0;
        for (int i = c; i < X.length; i += 2) {
            sum += X[i];
        }
        return (float) (sum / 12);
    }

    private static float batchNorm(int i, float epsilon) {
        int c = i % 2;
        double variance = 0;
        for (int j = c; j < X.length; j += 2) {
            variance += (X[j] - mean(c)) * (X[j] - mean(c));
        }
        variance /= 12;
        return (float) ((X[i] - mean(c)) / Math.sqrt(variance + epsilon) * VECTOR.get(c) + 0.25f);
    }

    private static float softmax(int i, boolean log) {
        int pair = i - i % 2;
        double max = Math.max(X[pair], X[pair + 1]);
        double sum = Math.exp(X[pair] - max) + Math.exp(X[pair + 1] - max);
        return (float) (log ? X[i] - max - Math.log(sum) : Math.exp(X[i] - max) / sum);
    }

    private static double argmaxOverColumns(int i) {
        int n = i / 4;
        int h = (i / 2) % 2;
        int c = i % 2;
        int best = 0;
        for (int w = 1; w < 3; w++) {
            if (X[index(n, h, w, c)] > X[index(n, h, best, c)]) {
                best = w;
            }
        }
        return best;
    }

    private static double padded(int i) {
        int c = i % 2;
        int w = (i / 2) % 5;
        int h = (i / 10) % 3;
        int n = i / 30;
        return h == 0 || w >= 3 ? 0 : X[index(n, h - 1, w, c)];
    }

    private static float rowSum(int n) {
        float sum = 0;
        for (int i = n * 12; i < (n + 1) * 12; i++) {
            sum += X[i];
        }
        return sum;
    }

    /** Kernel 1x2, dilation 2 across columns, 2 groups of 1 input channel and 2 outputs each. */
    private static double grouped(int i) {
        int o = i % 4;
        int h = (i / 4) % 2;
        int n = i / 8;
        int c = o / 2;
        float[] k = {1, 2, 3, 4, -1, -2, -3, -4};
        // Kernel [1, 2, 1, 4]: tap j, output o at k[j * 4 + o]; taps at columns 0 and 2.
        return X[index(n, h, 0, c)] * k[o] + X[index(n, h, 2, c)] * k[4 + o];
    }
}
