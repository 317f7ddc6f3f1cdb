package org.sightline.bench.tensorflow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sightline.model.FloatTensor;
import org.sightline.model.Weights;
import org.sightline.spi.Device;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.types.TFloat32;

/**
 * A CIFAR-10 network written by hand in plain TensorFlow Java, the way a user without Sightline
 * would: classic variables, {@code ApplyAdam}, no model translation. The benchmark's yardstick for
 * the backend's overhead; nothing else uses it. It uses only TensorFlow Java and gives its session
 * the settings the backend gives its own ({@code TensorFlowRuntime} there), so the two differ by the
 * backend's layer alone.
 */
final class PlainCifarGraph implements AutoCloseable {
    /** The networks written here, each the same computation as its Sightline definition. */
    enum Network {
        /** {@code ReferenceModels.cifar10Cnn()}. */
        REFERENCE_CNN,
        /** {@code ReferenceModels.resnet20(32x32x3, 10)}. */
        RESNET20
    }

    private static final float MOMENTUM = 0.99f;
    private static final float BN_EPSILON = 1e-3f;
    private static final float DROPOUT = 0.2f;

    private final Graph graph;
    private final Session session;
    private final Ops tf;
    private final long seed;
    private final Network network;
    private final Map<String, Variable<TFloat32>> variables = new HashMap<>();
    private final Map<String, Placeholder<TFloat32>> initialValues = new HashMap<>();
    private final List<Op> initializers = new ArrayList<>();
    private final Placeholder<TFloat32> images;
    private final Placeholder<TFloat32> labels;
    private final Operand<TFloat32> loss;
    private final Op step;
    private final Operand<TFloat32> probabilities;
    private int dropouts;
    /** How many convolutions and batch norms the ResNet has made: its layers get Keras's automatic names. */
    private int convolutions;
    private int norms;

    /** {@code weights} in Keras names, as the Sightline definition's {@code initialWeights(seed)} gives. */
    PlainCifarGraph(Network network, Weights weights, long seed, Device device) {
        this.seed = seed;
        this.network = network;
        graph = new Graph();
        try {
            DeviceSpec spec = deviceSpec(device);
            tf = spec == null ? Ops.create(graph) : Ops.create(graph).withDevice(spec);
            weights.asMap().forEach(this::variable);
            images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 32, 32, 3)));
            labels = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 10)));

            probabilities = tf.nn.softmax(forward(images, false, new ArrayList<>()));
            List<Op> updates = new ArrayList<>();
            Operand<TFloat32> logits = forward(images, true, updates);
            loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, labels).loss(), tf.constant(0));
            step = adam(updates);
            session = new Session(graph, sessionConfig(device));
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
        initialize(weights);
    }

    /** The backend's session settings: intra-op threads = cores, one inter-op thread; on a GPU, soft placement. */
    static ConfigProto sessionConfig(Device device) {
        ConfigProto.Builder config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(Runtime.getRuntime().availableProcessors())
                .setInterOpParallelismThreads(1);
        if (device.isGpu()) {
            config.setAllowSoftPlacement(true)
                    .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true).build());
        }
        return config.build();
    }

    /** Where the graph's ops go; null for the CPU, TensorFlow's default. */
    private static DeviceSpec deviceSpec(Device device) {
        if (!device.isGpu()) {
            return null;
        }
        return DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(device.index()).build();
    }

    private static Shape tensorShape(int[] dims) {
        return Shape.of(Arrays.stream(dims).asLongStream().toArray());
    }

    private void variable(String key, FloatTensor value) {
        Shape shape = tensorShape(value.shape());
        Variable<TFloat32> v = tf.variable(shape, TFloat32.class);
        Placeholder<TFloat32> init = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
        variables.put(key, v);
        initialValues.put(key, init);
        initializers.add(tf.assign(v, init));
    }

    private Operand<TFloat32> forward(Operand<TFloat32> x, boolean training, List<Op> updates) {
        return network == Network.RESNET20 ? resnet20(x, training, updates) : referenceCnn(x, training, updates);
    }

    /** ResNet-20: stem, three stages of three residual blocks (16, 32, 64 filters), pooling, dense. */
    private Operand<TFloat32> resnet20(Operand<TFloat32> x, boolean training, List<Op> updates) {
        convolutions = 0;
        norms = 0;
        x = tf.nn.relu(convNorm(x, 1, training, updates));
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < 3; block++) {
                long strides = stage > 0 && block == 0 ? 2 : 1;
                Operand<TFloat32> y = tf.nn.relu(convNorm(x, strides, training, updates));
                y = convNorm(y, 1, training, updates);
                if (strides > 1) {
                    x = conv(x, strides);
                }
                x = tf.nn.relu(tf.math.add(x, y));
            }
        }
        x = tf.nn.avgPool(x, List.of(1L, 8L, 8L, 1L), List.of(1L, 8L, 8L, 1L), "VALID");
        x = tf.reshape(x, tf.constant(new long[] {-1, 64}));
        return tf.nn.biasAdd(tf.linalg.matMul(x, variables.get("dense/kernel")), variables.get("dense/bias"));
    }

    private Operand<TFloat32> convNorm(Operand<TFloat32> x, long strides, boolean training, List<Op> updates) {
        return batchNorm(conv(x, strides), kerasName("batch_normalization", norms++), training, updates);
    }

    /** The next convolution, 'same' padding, with its bias. */
    private Operand<TFloat32> conv(Operand<TFloat32> x, long strides) {
        String name = kerasName("conv2d", convolutions++);
        x = tf.nn.conv2d(x, variables.get(name + "/kernel"), List.of(1L, strides, strides, 1L), "SAME");
        return tf.nn.biasAdd(x, variables.get(name + "/bias"));
    }

    private static String kerasName(String prefix, int index) {
        return index == 0 ? prefix : prefix + "_" + index;
    }

    private Operand<TFloat32> referenceCnn(Operand<TFloat32> x, boolean training, List<Op> updates) {
        x = convBlock(x, "conv2d", false, "batch_normalization", training, updates);
        x = convBlock(x, "conv2d_1", true, "batch_normalization_1", training, updates);
        x = convBlock(x, "conv2d_2", true, "batch_normalization_2", training, updates);
        x = convBlock(x, "conv2d_3", false, "batch_normalization_3", training, updates);
        x = tf.reshape(x, tf.constant(new long[] {-1, 8 * 8 * 128}));
        x = dropout(x, training);
        x = denseBlock(x, "dense", "batch_normalization_4", training, updates);
        x = denseBlock(x, "dense_1", "batch_normalization_5", training, updates);
        return tf.nn.biasAdd(tf.linalg.matMul(x, variables.get("dense_2/kernel")), variables.get("dense_2/bias"));
    }

    private Operand<TFloat32> convBlock(Operand<TFloat32> x, String conv, boolean pool, String bn, boolean training,
            List<Op> updates) {
        x = tf.nn.conv2d(x, variables.get(conv + "/kernel"), List.of(1L, 1L, 1L, 1L), "SAME");
        x = tf.nn.relu(tf.nn.biasAdd(x, variables.get(conv + "/bias")));
        if (pool) {
            x = tf.nn.maxPool(x, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
        }
        return batchNorm(dropout(x, training), bn, training, updates);
    }

    private Operand<TFloat32> denseBlock(Operand<TFloat32> x, String dense, String bn, boolean training,
            List<Op> updates) {
        x = tf.linalg.matMul(x, variables.get(dense + "/kernel"));
        x = tf.nn.relu(tf.nn.biasAdd(x, variables.get(dense + "/bias")));
        x = dropout(x, training);
        long units = x.shape().get(1);
        Operand<TFloat32> y = batchNorm(tf.reshape(x, tf.constant(new long[] {-1, 1, 1, units})), bn, training,
                updates);
        return tf.reshape(y, tf.constant(new long[] {-1, units}));
    }

    private Operand<TFloat32> dropout(Operand<TFloat32> x, boolean training) {
        if (!training) {
            return x;
        }
        Operand<TFloat32> noise = tf.random.randomUniform(tf.shape(x), TFloat32.class, RandomUniform.seed(seed),
                RandomUniform.seed2((long) ++dropouts));
        Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(noise, tf.constant(DROPOUT)), TFloat32.class);
        return tf.math.mul(tf.math.mul(x, tf.constant(1 / (1 - DROPOUT))), keep);
    }

    private Operand<TFloat32> batchNorm(Operand<TFloat32> x, String bn, boolean training, List<Op> updates) {
        Variable<TFloat32> mean = variables.get(bn + "/moving_mean");
        Variable<TFloat32> variance = variables.get(bn + "/moving_variance");
        Operand<TFloat32> gamma = variables.get(bn + "/gamma");
        Operand<TFloat32> beta = variables.get(bn + "/beta");
        if (!training) {
            return tf.nn.fusedBatchNorm(x, gamma, beta, mean, variance, FusedBatchNorm.epsilon(BN_EPSILON),
                    FusedBatchNorm.isTraining(false)).y();
        }
        Operand<TFloat32> empty = tf.constant(new float[0]);
        FusedBatchNorm<TFloat32, TFloat32> norm = tf.nn.fusedBatchNorm(x, gamma, beta, empty, empty,
                FusedBatchNorm.epsilon(BN_EPSILON), FusedBatchNorm.isTraining(true));
        Operand<TFloat32> n = tf.dtypes.cast(tf.math.div(tf.size(x), tf.constant((int) x.shape().get(3))),
                TFloat32.class);
        Operand<TFloat32> biased = tf.math.mul(norm.batchVariance(), tf.math.div(tf.math.sub(n, tf.constant(1f)), n));
        updates.add(tf.assign(mean, tf.math.add(tf.math.mul(mean, tf.constant(MOMENTUM)),
                tf.math.mul(norm.batchMean(), tf.constant(1 - MOMENTUM)))));
        updates.add(tf.assign(variance, tf.math.add(tf.math.mul(variance, tf.constant(MOMENTUM)),
                tf.math.mul(biased, tf.constant(1 - MOMENTUM)))));
        return norm.y();
    }

    private Op adam(List<Op> updates) {
        List<String> trainable = variables.keySet().stream().filter(k -> !k.contains("/moving_")).sorted().toList();
        List<Operand<?>> xs = new ArrayList<>();
        trainable.forEach(k -> xs.add(variables.get(k)));
        var gradients = tf.gradients(loss, xs);
        Variable<TFloat32> iterations = tf.variable(tf.constant(0f));
        Operand<TFloat32> t = tf.math.add(iterations, tf.constant(1f));
        Operand<TFloat32> beta1 = tf.constant(0.9f);
        Operand<TFloat32> beta2 = tf.constant(0.999f);
        Operand<TFloat32> beta1Power = tf.math.pow(beta1, t);
        Operand<TFloat32> beta2Power = tf.math.pow(beta2, t);
        List<Op> applied = new ArrayList<>();
        for (int i = 0; i < trainable.size(); i++) {
            Variable<TFloat32> w = variables.get(trainable.get(i));
            Variable<TFloat32> m = tf.variable(tf.zeros(tf.constant(w.shape().asArray()), TFloat32.class));
            Variable<TFloat32> v = tf.variable(tf.zeros(tf.constant(w.shape().asArray()), TFloat32.class));
            Operand<TFloat32> g = gradients.dy(i);
            Op apply = tf.train.applyAdam(w, m, v, beta1Power, beta2Power, tf.constant(1e-3f), beta1, beta2,
                    tf.constant(1e-7f), g);
            applied.add(apply);
            boolean maxNorm = network == Network.REFERENCE_CNN
                    && (trainable.get(i).equals("dense/kernel") || trainable.get(i).equals("dense_1/kernel"));
            if (maxNorm) {
                Ops after = tf.withControlDependencies(List.of(apply));
                Operand<TFloat32> norms = after.math.sqrt(after.sum(after.math.square(w), after.constant(new int[] {0}),
                        org.tensorflow.op.core.Sum.keepDims(true)));
                Operand<TFloat32> scale = after.math.div(after.clipByValue(norms, after.constant(0f),
                        after.constant(3f)), after.math.add(after.constant(1e-7f), norms));
                updates.add(after.assign(w, after.math.mul(w, scale)));
            } else {
                updates.add(apply);
            }
        }
        updates.add(tf.withControlDependencies(applied).assignAdd(iterations, tf.constant(1f)));
        return tf.withControlDependencies(updates).noOp();
    }

    private void initialize(Weights weights) {
        List<Tensor> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            weights.asMap().forEach((key, value) -> {
                TFloat32 t = TFloat32.tensorOf(tensorShape(value.shape()), DataBuffers.of(value.toArray(), true, false));
                tensors.add(t);
                runner.feed(initialValues.get(key), t);
            });
            initializers.forEach(runner::addTarget);
            runner.run().close();
        } finally {
            tensors.forEach(Tensor::close);
        }
    }

    /** One Adam step; returns the batch's loss. */
    float trainStep(float[] imageValues, float[] oneHot, int count) {
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(count, 32, 32, 3), DataBuffers.of(imageValues, true, false));
                TFloat32 y = TFloat32.tensorOf(Shape.of(count, 10), DataBuffers.of(oneHot, true, false));
                Result result = session.runner().feed(images, x).feed(labels, y).fetch(loss).addTarget(step).run()) {
            return ((TFloat32) result.get(0)).getFloat();
        }
    }

    float[] predict(float[] imageValues, int count) {
        float[] out = new float[count * 10];
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(count, 32, 32, 3), DataBuffers.of(imageValues, true, false));
                Result result = session.runner().feed(images, x).fetch(probabilities).run()) {
            ((TFloat32) result.get(0)).copyTo(DataBuffers.of(out, false, false));
        }
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            graph.close();
        }
    }
}
