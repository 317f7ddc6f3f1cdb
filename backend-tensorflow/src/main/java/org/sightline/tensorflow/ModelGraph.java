package org.sightline.tensorflow;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.Layer;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.spi.EngineRequest;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Loss;
import org.sightline.compile.OptimizerState;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * One {@link Sequential} translated into one TensorFlow graph: an inference path and, for training,
 * a training path (dropout on, batch-norm on batch statistics) with its Adam step, both reading the
 * same variables. Weights live in resource variables with flat names; {@link Variable#key()} keeps
 * the neutral Keras name they are known by outside.
 */
final class ModelGraph implements AutoCloseable {
    /** Keras's {@code backend.epsilon()}: max-norm's and the probability clip's guard. */
    static final float KERAS_EPSILON = 1e-7f;

    /** A float variable with the ops that read it and replace its value. */
    record Variable(String key, int[] shape, Operand<? extends TType> handle, Operand<TFloat32> read,
            Placeholder<TFloat32> newValue, Op assign) {
    }

    /** What only a training graph has: the step and the optimizer's state. */
    record Training(Operand<TFloat32> loss, Operand<TInt32> correct, Op step, List<Variable> firstMoments,
            List<Variable> secondMoments, Operand<TInt64> iterations, Placeholder<TInt64> newIterations,
            Op assignIterations) {
    }

    /** A path's output and, when it ends with a softmax, the logits before it. */
    private record Forward(Operand<TFloat32> output, Operand<TFloat32> logits) {
    }

    private static final Pattern TF_NAME = Pattern.compile("[A-Za-z0-9.][A-Za-z0-9_.\\-]*");

    private final Graph graph;
    private final Sequential model;
    private final Placeholder<TFloat32> images;
    private final Placeholder<TFloat32> labels;
    private final List<Variable> weights;
    private final Operand<TFloat32> probabilities;
    private final Optional<Training> training;

    private ModelGraph(Graph graph, Sequential model, Placeholder<TFloat32> images, Placeholder<TFloat32> labels,
            List<Variable> weights, Operand<TFloat32> probabilities, Optional<Training> training) {
        this.graph = graph;
        this.model = model;
        this.images = images;
        this.labels = labels;
        this.weights = weights;
        this.probabilities = probabilities;
        this.training = training;
    }

    /** Builds the graph for {@code request}; natives must already be loaded. */
    static ModelGraph build(EngineRequest request) {
        Graph graph = new Graph();
        try {
            return new Builder(graph, request).build();
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    Graph graph() {
        return graph;
    }

    Sequential model() {
        return model;
    }

    Placeholder<TFloat32> images() {
        return images;
    }

    Placeholder<TFloat32> labels() {
        return labels;
    }

    /** Every model weight in the model's (Keras's) order. */
    List<Variable> weights() {
        return weights;
    }

    /** The inference path's class probabilities. */
    Operand<TFloat32> probabilities() {
        return probabilities;
    }

    Optional<Training> training() {
        return training;
    }

    @Override
    public void close() {
        graph.close();
    }

    /** TensorFlow's shape of a tensor with dimensions {@code dims}. */
    static org.tensorflow.ndarray.Shape tensorShape(int[] dims) {
        return org.tensorflow.ndarray.Shape.of(java.util.Arrays.stream(dims).asLongStream().toArray());
    }

    /** TensorFlow's shape of {@code batch} examples of {@code example}; -1 for a batch of any size. */
    static org.tensorflow.ndarray.Shape batchShape(long batch, int[] example) {
        return tensorShape(example).prepend(batch);
    }

    /** Gives each op group a name TensorFlow accepts (no '/', which would open a scope), once. */
    private static final class FlatNames {
        private final Set<String> taken = new HashSet<>();

        String of(String neutral) {
            String name = neutral.replace('/', '.').replaceAll("[^A-Za-z0-9_.\\-]", "_");
            if (!TF_NAME.matcher(name).matches()) {
                name = "w" + name;
            }
            String unique = name;
            for (int n = 1; !taken.add(unique); n++) {
                unique = name + "_" + n;
            }
            return unique;
        }
    }

    private static final class Builder {
        private final Graph graph;
        private final EngineRequest request;
        private final Sequential model;
        private final Ops tf;
        private final FlatNames names = new FlatNames();
        private final Map<String, Variable> byKey = new LinkedHashMap<>();

        Builder(Graph graph, EngineRequest request) {
            this.graph = graph;
            this.request = request;
            this.model = request.model();
            Ops root = Ops.create(graph);
            DeviceSpec device = TensorFlowRuntime.deviceSpec(request.device());
            this.tf = device == null ? root : root.withDevice(device);
        }

        ModelGraph build() {
            int classes = model.numClasses();
            Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
                    Placeholder.shape(batchShape(-1, model.inputShape().dims())));
            Placeholder<TFloat32> labels = tf.withName("labels").placeholder(TFloat32.class,
                    Placeholder.shape(batchShape(-1, new int[] {classes})));
            for (ModelWeight weight : model.weights()) {
                byKey.put(weight.key(), variable(weight.key(), weight.spec().shape()));
            }
            Forward inference = forward(tf.withSubScope("inference"), images, false, new ArrayList<>());
            Optional<Training> training = request.training()
                    .map(options -> trainingStep(tf.withSubScope("training"), images, labels, options));
            return new ModelGraph(graph, model, images, labels, List.copyOf(byKey.values()), inference.output(),
                    training);
        }

        private Variable variable(String key, int[] shape) {
            String name = names.of(key);
            org.tensorflow.ndarray.Shape tfShape = tensorShape(shape);
            Ops scope = tf.withSubScope(name);
            // An explicit shared name, so that no two variables of the session can alias one resource.
            Operand<? extends TType> handle = scope.withName("handle").varHandleOp(TFloat32.class, tfShape,
                    org.tensorflow.op.core.VarHandleOp.sharedName(name));
            Operand<TFloat32> read = scope.withName("read").readVariableOp(handle, TFloat32.class);
            Placeholder<TFloat32> newValue = scope.withName("new_value").placeholder(TFloat32.class,
                    Placeholder.shape(tfShape));
            Op assign = scope.withName("assign").assignVariableOp(handle, newValue);
            return new Variable(key, shape.clone(), handle, read, newValue, assign);
        }

        private Operand<TFloat32> read(Layer layer, String weight) {
            return byKey.get(layer.name() + "/" + weight).read();
        }

        /**
         * The model applied to {@code x}. In training mode dropout is on and batch-norm normalises with
         * the batch's statistics, adding its moving-average updates to {@code updates}.
         */
        private Forward forward(Ops path, Operand<TFloat32> x, boolean training, List<Op> updates) {
            Operand<TFloat32> logits = null;
            FlatNames layerNames = new FlatNames();
            for (int i = 0; i < model.layers().size(); i++) {
                Layer layer = model.layers().get(i);
                Shape in = model.inputShape(i);
                Ops tf = path.withSubScope(layerNames.of(layer.name()));
                Operand<TFloat32> before = x;
                ActivationFunction activation = ActivationFunction.LINEAR;
                if (layer instanceof Conv2D conv) {
                    x = tf.nn.conv2d(x, read(layer, "kernel"), List.of(1L, (long) conv.strideHeight(),
                            (long) conv.strideWidth(), 1L), padding(conv.padding()));
                    if (conv.useBias()) {
                        x = tf.nn.biasAdd(x, read(layer, "bias"));
                    }
                    activation = conv.activation();
                } else if (layer instanceof Dense dense) {
                    x = tf.linalg.matMul(x, read(layer, "kernel"));
                    if (dense.useBias()) {
                        x = tf.nn.biasAdd(x, read(layer, "bias"));
                    }
                    activation = dense.activation();
                } else if (layer instanceof Activation a) {
                    activation = a.function();
                } else if (layer instanceof Dropout dropout) {
                    if (training && dropout.rate() > 0) {
                        x = dropout(tf, x, dropout.rate(), i);
                    }
                } else if (layer instanceof BatchNormalization bn) {
                    x = batchNormalization(tf, layer, bn, x, in, training, updates);
                } else if (layer instanceof MaxPooling2D pool) {
                    PoolingWindow w = pool.window();
                    x = tf.nn.maxPool(x, tf.constant(new int[] {1, w.poolHeight(), w.poolWidth(), 1}),
                            tf.constant(new int[] {1, w.strideHeight(), w.strideWidth(), 1}), padding(w.padding()));
                } else if (layer instanceof AveragePooling2D pool) {
                    PoolingWindow w = pool.window();
                    x = tf.nn.avgPool(x, List.of(1L, (long) w.poolHeight(), (long) w.poolWidth(), 1L),
                            List.of(1L, (long) w.strideHeight(), (long) w.strideWidth(), 1L), padding(w.padding()));
                } else if (layer instanceof Flatten) {
                    x = tf.reshape(x, tf.constant(new long[] {-1, in.size()}));
                } else {
                    throw new IllegalArgumentException("Layer " + layer.kerasClass() + " '" + layer.name()
                            + "' has no TensorFlow translation");
                }
                if (activation == ActivationFunction.SOFTMAX) {
                    logits = x;
                } else if (x != before || activation != ActivationFunction.LINEAR) {
                    logits = null;
                }
                x = activate(tf, x, activation);
            }
            return new Forward(x, logits);
        }

        private static String padding(Padding padding) {
            return padding == Padding.SAME ? "SAME" : "VALID";
        }

        private static Operand<TFloat32> activate(Ops tf, Operand<TFloat32> x, ActivationFunction function) {
            return switch (function) {
                case LINEAR -> x;
                case RELU -> tf.nn.relu(x);
                case SIGMOID -> tf.math.sigmoid(x);
                case TANH -> tf.math.tanh(x);
                case SOFTMAX -> tf.nn.softmax(x);
            };
        }

        /** tf.nn.dropout, as Keras calls it: scale by 1/(1-rate), then keep where uniform >= rate. */
        private Operand<TFloat32> dropout(Ops tf, Operand<TFloat32> x, double rate, int layerIndex) {
            Operand<TFloat32> scaled = tf.math.mul(x, tf.constant((float) (1 / (1 - rate))));
            // seed2 differs per layer and is never 0, so that the stream is seeded even for seed 0.
            Operand<TFloat32> uniform = tf.random.randomUniform(tf.shape(x), TFloat32.class,
                    RandomUniform.seed(request.seed()), RandomUniform.seed2(layerIndex + 1L));
            Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(uniform, tf.constant((float) rate)),
                    TFloat32.class);
            return tf.math.mul(scaled, keep);
        }

        /**
         * Batch-norm over the last axis with FusedBatchNormV3 (the fused op is the one with a gradient).
         * Inputs that are not NHWC images are viewed as {@code [N, 1, rest, C]} for it.
         */
        private Operand<TFloat32> batchNormalization(Ops tf, Layer layer, BatchNormalization bn,
                Operand<TFloat32> x, Shape in, boolean training, List<Op> updates) {
            int channels = in.dim(in.rank() - 1);
            Operand<TFloat32> x4 = in.rank() == 3 ? x
                    : tf.reshape(x, tf.constant(new long[] {-1, 1, in.size() / channels, channels}));
            Operand<TFloat32> gamma = read(layer, "gamma");
            Operand<TFloat32> beta = read(layer, "beta");
            Variable movingMean = byKey.get(layer.name() + "/moving_mean");
            Variable movingVariance = byKey.get(layer.name() + "/moving_variance");
            FusedBatchNorm.Options epsilon = FusedBatchNorm.epsilon((float) bn.epsilon());
            FusedBatchNorm.Options nhwc = FusedBatchNorm.dataFormat("NHWC");
            Operand<TFloat32> y;
            if (training) {
                Operand<TFloat32> none = tf.constant(new float[0]);
                FusedBatchNorm<TFloat32, TFloat32> norm = tf.nn.fusedBatchNorm(x4, gamma, beta, none, none, epsilon,
                        nhwc, FusedBatchNorm.isTraining(true));
                y = norm.y();
                // The op reports the Bessel-corrected variance; Keras averages the biased one.
                Operand<TFloat32> count = tf.dtypes.cast(tf.math.div(tf.size(x4), tf.constant(channels)),
                        TFloat32.class);
                Operand<TFloat32> biased = tf.math.mulNoNan(norm.batchVariance(),
                        tf.math.div(tf.math.sub(count, tf.constant(1f)), count));
                updates.add(movingAverage(tf, movingMean, norm.batchMean(), bn.momentum()));
                updates.add(movingAverage(tf, movingVariance, biased, bn.momentum()));
            } else {
                y = tf.nn.fusedBatchNorm(x4, gamma, beta, movingMean.read(), movingVariance.read(), epsilon, nhwc,
                        FusedBatchNorm.isTraining(false)).y();
            }
            if (in.rank() == 3) {
                return y;
            }
            return tf.reshape(y, tf.constant(batchShape(-1, in.dims()).asArray()));
        }

        /** Keras: {@code moving = moving * momentum + batch * (1 - momentum)}. */
        private static Op movingAverage(Ops tf, Variable moving, Operand<TFloat32> batch, double momentum) {
            Operand<TFloat32> next = tf.math.add(tf.math.mul(moving.read(), tf.constant((float) momentum)),
                    tf.math.mul(batch, tf.constant((float) (1 - momentum))));
            return tf.assignVariableOp(moving.handle(), next);
        }

        private Training trainingStep(Ops tf, Placeholder<TFloat32> images, Placeholder<TFloat32> labels,
                CompileOptions options) {
            if (!options.loss().equals(Loss.CATEGORICAL_CROSSENTROPY)) {
                throw new IllegalArgumentException("TensorFlow backend has no loss " + options.loss().kerasName());
            }
            Adam adam = (Adam) options.optimizer();
            List<Op> updates = new ArrayList<>();
            Forward forward = forward(tf, images, true, updates);
            Ops metrics = tf.withSubScope("metrics");
            Operand<TFloat32> loss = crossEntropy(metrics, forward, labels);
            Operand<TInt32> correct = metrics.sum(metrics.dtypes.cast(metrics.math.equal(
                    metrics.math.argMax(forward.output(), metrics.constant(1)),
                    metrics.math.argMax(labels, metrics.constant(1))), TInt32.class), metrics.constant(0));

            List<ModelWeight> trainable = model.weights().stream().filter(w -> w.spec().trainable()).toList();
            List<Operand<TFloat32>> reads = trainable.stream().map(w -> byKey.get(w.key()).read()).toList();
            // Only trainable weights: batch-norm moving statistics are updated above, not by Adam.
            var gradients = tf.withSubScope("gradients").gradients(loss, reads);

            Ops adamOps = tf.withSubScope("adam");
            String iterationsName = names.of("iterations");
            Ops iterationScope = this.tf.withSubScope(iterationsName);
            Operand<? extends TType> iterationsHandle = iterationScope.withName("handle").varHandleOp(TInt64.class,
                    org.tensorflow.ndarray.Shape.scalar(),
                    org.tensorflow.op.core.VarHandleOp.sharedName(iterationsName));
            Operand<TInt64> iterationsRead = iterationScope.withName("read").readVariableOp(iterationsHandle,
                    TInt64.class);
            Placeholder<TInt64> newIterations = iterationScope.withName("new_value").placeholder(TInt64.class,
                    Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
            Op assignIterations = iterationScope.withName("assign").assignVariableOp(iterationsHandle, newIterations);

            // Keras: local_step = iterations + 1, powers of the betas in float32.
            Operand<TFloat32> step = adamOps.dtypes.cast(adamOps.math.add(iterationsRead, adamOps.constant(1L)),
                    TFloat32.class);
            Operand<TFloat32> beta1 = adamOps.constant((float) adam.beta1());
            Operand<TFloat32> beta2 = adamOps.constant((float) adam.beta2());
            Operand<TFloat32> beta1Power = adamOps.math.pow(beta1, step);
            Operand<TFloat32> beta2Power = adamOps.math.pow(beta2, step);
            Operand<TFloat32> learningRate = adamOps.constant((float) adam.learningRate());
            Operand<TFloat32> epsilon = adamOps.constant((float) adam.epsilon());

            List<Variable> firstMoments = new ArrayList<>();
            List<Variable> secondMoments = new ArrayList<>();
            List<Op> applied = new ArrayList<>();
            for (int i = 0; i < trainable.size(); i++) {
                ModelWeight weight = trainable.get(i);
                Variable variable = byKey.get(weight.key());
                Variable m = variable(OptimizerState.slotName(weight.key(), OptimizerState.FIRST_MOMENT),
                        variable.shape());
                Variable v = variable(OptimizerState.slotName(weight.key(), OptimizerState.SECOND_MOMENT),
                        variable.shape());
                firstMoments.add(m);
                secondMoments.add(v);
                Operand<TFloat32> gradient = gradients.dy(i);
                Op apply = adamOps.train.resourceApplyAdam(variable.handle(), m.handle(), v.handle(), beta1Power,
                        beta2Power, learningRate, beta1, beta2, epsilon, gradient);
                applied.add(apply);
                if (weight.spec().constraint() instanceof MaxNorm maxNorm) {
                    updates.add(maxNorm(adamOps.withControlDependencies(List.of(apply)), variable, maxNorm));
                } else {
                    updates.add(apply);
                }
            }
            updates.add(adamOps.withControlDependencies(applied).assignAddVariableOp(iterationsHandle,
                    adamOps.constant(1L)));
            Op trainStep = tf.withControlDependencies(updates).withName("step").noOp();
            return new Training(loss, correct, trainStep, List.copyOf(firstMoments), List.copyOf(secondMoments),
                    iterationsRead, newIterations, assignIterations);
        }

        /**
         * Keras's categorical cross-entropy: on the logits when the model ends with a softmax, else on
         * the renormalised, clipped probabilities.
         */
        private static Operand<TFloat32> crossEntropy(Ops tf, Forward forward, Operand<TFloat32> labels) {
            Operand<TFloat32> perExample;
            if (forward.logits() != null) {
                perExample = tf.nn.softmaxCrossEntropyWithLogits(forward.logits(), labels).loss();
            } else {
                Operand<TInt32> last = tf.constant(-1);
                Operand<TFloat32> p = tf.math.div(forward.output(),
                        tf.sum(forward.output(), last, Sum.keepDims(true)));
                p = tf.math.minimum(tf.math.maximum(p, tf.constant(KERAS_EPSILON)), tf.constant(1 - KERAS_EPSILON));
                perExample = tf.math.neg(tf.sum(tf.math.mul(labels, tf.math.log(p)), last));
            }
            return tf.math.mean(perExample, tf.constant(0));
        }

        /** Keras's MaxNorm: {@code w * clip(norm, 0, max) / (epsilon + norm)}, norm over the axes. */
        private static Op maxNorm(Ops tf, Variable variable, MaxNorm constraint) {
            int[] axes = constraint.axes();
            for (int axis : axes) {
                if (axis >= variable.shape().length) {
                    throw new IllegalArgumentException("MaxNorm.axis " + axis + " is out of range for "
                            + variable.key() + " of rank " + variable.shape().length);
                }
            }
            Operand<TFloat32> w = tf.readVariableOp(variable.handle(), TFloat32.class);
            Operand<TFloat32> norms = tf.math.sqrt(tf.sum(tf.math.square(w), tf.constant(axes), Sum.keepDims(true)));
            Operand<TFloat32> desired = tf.clipByValue(norms, tf.constant(0f), tf.constant((float) constraint.maxValue()));
            Operand<TFloat32> constrained = tf.math.mul(w,
                    tf.math.div(desired, tf.math.add(tf.constant(KERAS_EPSILON), norms)));
            return tf.assignVariableOp(variable.handle(), constrained);
        }
    }
}
