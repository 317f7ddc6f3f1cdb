package org.sightline.tensorflow;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;
import org.sightline.compile.TrainingStep;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.spi.EngineRequest;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * One {@link Network} as one TensorFlow graph, built through {@link TensorFlowOps}: the model's own
 * {@code call} for inference, {@link TrainingStep} for training, and on first use per mode a path for
 * {@link org.sightline.spi.ModelEngine#lossGradients}. All paths read the same variables. Weights and
 * optimizer slots live in resource variables with flat names; {@link Variable#key()} keeps the neutral
 * name they are known by outside.
 */
final class ModelGraph implements AutoCloseable {

    /** A float variable with the ops that read it and replace its value from outside. */
    record Variable(String key, int[] shape, Operand<? extends TType> handle, Operand<TFloat32> read,
            Placeholder<TFloat32> newValue, Op assign) {
    }

    /**
     * What only a training graph has: the step, the scalars fed to it, and the optimizer's slots.
     *
     * @param labels          fed: the batch's one-hot labels
     * @param correct         how many examples of the batch the metric counts as right, as a float
     * @param hyperparameters the optimizer's per-step scalars by name
     * @param slots           the optimizer's slot variables in checkpoint order
     */
    record Training(CompileOptions options, List<Variable> slots) {
    }

    /** The training step's ops, built on the first step: a model that only gives gradients never needs labels. */
    record Step(Placeholder<TFloat32> labels, Operand<TFloat32> loss, Operand<TFloat32> correct, Op step,
            Map<String, Placeholder<TFloat32>> hyperparameters) {
    }

    /**
     * The path of {@code lossGradients} in one mode.
     *
     * @param outputWeights fed: one weight per output value
     * @param weights       the gradient at each trainable weight, in the model's order
     */
    record GradientPath(Operand<TFloat32> output, Placeholder<TFloat32> outputWeights, Operand<TFloat32> input,
            Map<String, Operand<TFloat32>> weights) {
    }

    private static final Pattern TF_NAME = Pattern.compile("[A-Za-z0-9.][A-Za-z0-9_.\\-]*");

    private final Graph graph;
    private final Network model;
    private final long seed;
    /** What the convolutions and matrix products compute in. */
    private final Precision precision;
    private final Ops tf;
    private final Placeholder<TFloat32> images;
    private final Map<String, Variable> variables;
    private final List<Variable> weights;
    private final Operand<TFloat32> output;
    private final Optional<Training> training;
    private final Map<Boolean, GradientPath> gradientPaths = new LinkedHashMap<>();
    private Step step;

    private ModelGraph(Graph graph, EngineRequest request, Ops tf) {
        this.graph = graph;
        this.model = request.model();
        this.seed = request.seed();
        this.precision = request.precision();
        if (precision == Precision.MIXED_BFLOAT16) {
            TensorFlowRuntime.warnIfBfloat16IsEmulated(request.device());
        }
        this.tf = tf;
        FlatNames names = new FlatNames();
        Map<String, Variable> all = new LinkedHashMap<>();
        for (ModelWeight weight : model.weights()) {
            all.put(weight.key(), variable(tf, names, weight.key(), weight.spec().shape()));
        }
        this.weights = List.copyOf(all.values());
        List<Variable> slots = new ArrayList<>();
        request.training().ifPresent(options -> {
            for (TrainingStep.Slot slot : TrainingStep.slots(model, options.optimizer())) {
                Variable v = variable(tf, names, slot.name(), slot.shape());
                all.put(slot.name(), v);
                slots.add(v);
            }
        });
        this.variables = all;
        this.images = tf.withName("images").placeholder(TFloat32.class,
                Placeholder.shape(batchShape(-1, model.inputShape().dims())));
        TensorFlowOps inference = paths("inference", false);
        // An identity: a model that passes its input through must not fetch the fed placeholder.
        this.output = tf.withName("output").identity(model.call(inference, images, false).output());
        this.training = request.training().map(options -> new Training(options, List.copyOf(slots)));
    }

    /** Builds the graph for {@code request}; natives must already be loaded. */
    static ModelGraph build(EngineRequest request) {
        Graph graph = new Graph();
        try {
            Ops root = Ops.create(graph);
            DeviceSpec device = TensorFlowRuntime.deviceSpec(request.device());
            return new ModelGraph(graph, request, device == null ? root : root.withDevice(device));
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    Graph graph() {
        return graph;
    }

    Network model() {
        return model;
    }

    Placeholder<TFloat32> images() {
        return images;
    }

    /** Every model weight in the model's (Keras's) order. */
    List<Variable> weights() {
        return weights;
    }

    /** The inference path's output. */
    Operand<TFloat32> output() {
        return output;
    }

    Optional<Training> training() {
        return training;
    }

    /**
     * The {@code lossGradients} path in {@code trainingMode}, added to the graph on first use: most
     * engines never need it, and it roughly doubles the graph.
     */
    synchronized GradientPath gradientPath(boolean trainingMode) {
        return gradientPaths.computeIfAbsent(trainingMode, this::buildGradientPath);
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

    /** A name TensorFlow accepts for an op (no '/', which would open a scope). */
    static String flatName(String neutral) {
        String name = neutral.replace('/', '.').replaceAll("[^A-Za-z0-9_.\\-]", "_");
        return TF_NAME.matcher(name).matches() ? name : "w" + name;
    }

    private TensorFlowOps paths(String scope, boolean keepAssignments) {
        return new TensorFlowOps(tf.withSubScope(scope), this::variable, seed, keepAssignments, precision);
    }

    private Variable variable(String name) {
        Variable v = variables.get(name);
        if (v == null) {
            throw new IllegalArgumentException("Model '" + model.name() + "' has no variable " + name);
        }
        return v;
    }

    /** The training step, added to the graph on first use; the model's output must be a class vector. */
    synchronized Step step() {
        if (step == null) {
            step = buildStep(training.orElseThrow().options());
        }
        return step;
    }

    private Step buildStep(CompileOptions options) {
        Placeholder<TFloat32> labels = tf.withName("labels").placeholder(TFloat32.class,
                Placeholder.shape(batchShape(-1, new int[] {model.numClasses()})));
        TensorFlowOps ops = paths("training", true);
        TrainingStep.Outputs<Operand<TFloat32>> outputs = TrainingStep.build(ops, model, options, images, labels);
        Op step = tf.withControlDependencies(ops.assignments()).withName("step").noOp();
        return new Step(labels, outputs.loss(), outputs.correct(), step, ops.hyperparameters());
    }

    private GradientPath buildGradientPath(boolean trainingMode) {
        String scope = trainingMode ? "gradients_training" : "gradients_inference";
        TensorFlowOps ops = paths(scope, false);
        Operand<TFloat32> out = tf.withSubScope(scope).identity(model.call(ops, images, trainingMode).output());
        Ops path = tf.withSubScope(scope + "_loss");
        Placeholder<TFloat32> outputWeights = path.withName("output_weights").placeholder(TFloat32.class,
                Placeholder.shape(batchShape(-1, model.outputShape().dims())));
        int[] all = new int[model.outputShape().rank() + 1];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Operand<TFloat32> loss = path.sum(path.math.mul(out, outputWeights), path.constant(all), Sum.keepDims(false));
        List<ModelWeight> trainable = model.weights().stream().filter(w -> w.spec().trainable()).toList();
        List<Operand<TFloat32>> sources = new ArrayList<>();
        sources.add(images);
        trainable.forEach(w -> sources.add(variable(w.key()).read()));
        List<Operand<TFloat32>> gradients = ops.gradients(loss, sources);
        Map<String, Operand<TFloat32>> byWeight = new LinkedHashMap<>();
        for (int i = 0; i < trainable.size(); i++) {
            byWeight.put(trainable.get(i).key(), gradients.get(i + 1));
        }
        return new GradientPath(out, outputWeights, gradients.get(0), byWeight);
    }

    private static Variable variable(Ops tf, FlatNames names, String key, int[] shape) {
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

    /** Gives each variable a flat name, once. */
    private static final class FlatNames {
        private final Set<String> taken = new HashSet<>();

        String of(String neutral) {
            String name = flatName(neutral);
            String unique = name;
            for (int n = 1; !taken.add(unique); n++) {
                unique = name + "_" + n;
            }
            return unique;
        }
    }
}
