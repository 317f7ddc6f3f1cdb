package org.sightline.tensorflow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sightline.data.Batch;
import org.sightline.model.FloatTensor;
import org.sightline.model.Network;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.BatchResult;
import org.sightline.spi.EngineException;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.LossGradients;
import org.sightline.spi.ModelEngine;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;
import org.tensorflow.Result;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model as one TensorFlow graph in one session. Each call feeds its batch, runs the graph once
 * and closes every tensor it created before returning. TensorFlow's session runs calls from many threads
 * at once and its {@code close} waits for runs in flight, so predictions need no lock here.
 */
final class TensorFlowEngine implements ModelEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowEngine.class);

    private final ModelGraph graph;
    private final Session session;
    private final Network model;
    private final java.util.Optional<CompileOptions> options;
    /** Steps taken: what the optimizer's per-step scalars are computed from. */
    private long iterations;
    private boolean closed;

    private TensorFlowEngine(ModelGraph graph, Session session, java.util.Optional<CompileOptions> options) {
        this.graph = graph;
        this.session = session;
        this.model = graph.model();
        this.options = options;
    }

    /** Loads the natives if needed, builds the graph, and sets the request's weights. */
    static TensorFlowEngine create(EngineRequest request) {
        try {
            return build(request);
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("building the graph of model '" + request.model().name() + "' on " + request.device(), e);
        }
    }

    private static TensorFlowEngine build(EngineRequest request) {
        TensorFlowRuntime.start();
        TensorFlowRuntime.requireDevice(request.device());
        long start = System.nanoTime();
        ModelGraph graph = ModelGraph.build(request);
        TensorFlowEngine engine;
        try {
            engine = new TensorFlowEngine(graph, new Session(graph.graph(),
                    TensorFlowRuntime.sessionConfig(request.device())), request.training());
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
        try {
            engine.setWeights(request.weights());
            if (request.isTraining()) {
                engine.setOptimizerState(engine.zeroOptimizerState());
            }
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        LOG.debug("TensorFlow graph for model '{}' on {} built in {} ms ({} ops)", request.model().name(),
                request.device(), (System.nanoTime() - start) / 1_000_000, countOps(graph));
        return engine;
    }

    private static long countOps(ModelGraph graph) {
        long n = 0;
        for (var it = graph.graph().operations(); it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }

    /**
     * TensorFlow's own failure as the SPI's, naming what the engine was doing. TensorFlow's
     * InvalidArgument status comes as an {@link IllegalArgumentException} subclass; the engine has
     * checked its own arguments before running, so it too is the runtime failing.
     */
    static EngineException failed(String doing, RuntimeException e) {
        return new EngineException(TensorFlowBackend.NAME, doing, e);
    }

    @Override
    public BatchResult trainOnBatch(Batch batch) {
        try {
            return train(batch);
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("training model '" + model.name() + "' on a batch of " + batch.size(), e);
        }
    }

    private BatchResult train(Batch batch) {
        requireTraining("train");
        ModelGraph.Step training = graph.step();
        requireFits(batch);
        try (TensorScope scope = new TensorScope()) {
            Session.Runner runner = session.runner()
                    .feed(graph.images(), scope.add(images(batch.images(), batch.size())))
                    .feed(training.labels(), scope.add(floats(batch.oneHot(), batch.size(), model.numClasses())));
            Map<String, Float> hyperparameters = options.orElseThrow().optimizer().hyperparameters(iterations);
            training.hyperparameters().forEach((name, placeholder) -> {
                Float value = hyperparameters.get(name);
                if (value == null) {
                    throw new IllegalStateException("The optimizer gives no hyperparameter " + name);
                }
                runner.feed(placeholder, scope.add(TFloat32.scalarOf(value)));
            });
            try (Result result = runner.fetch(training.loss()).fetch(training.correct())
                    .addTarget(training.step()).run()) {
                float loss = ((TFloat32) result.get(0)).getFloat();
                int correct = Math.round(((TFloat32) result.get(1)).getFloat());
                iterations++;
                return new BatchResult(loss, correct, batch.size());
            }
        }
    }

    @Override
    public float[] predict(float[] images, int count) {
        requireImages("predict", images, count);
        try (TensorScope scope = new TensorScope();
                Result result = session.runner()
                        .feed(graph.images(), scope.add(images(images, count)))
                        .fetch(graph.output())
                        .run()) {
            return values((TFloat32) result.get(0));
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("predicting " + count + " images with model '" + model.name() + "'", e);
        }
    }

    @Override
    public LossGradients lossGradients(float[] images, int count, float[] outputWeights, boolean training) {
        requireImages("lossGradients", images, count);
        long outputs = (long) count * model.outputShape().size();
        if (outputWeights.length != outputs) {
            throw new IllegalArgumentException(count + " outputs of " + model.outputShape() + " need " + outputs
                    + " weights, got " + outputWeights.length);
        }
        ModelGraph.GradientPath path = graph.gradientPath(training);
        List<String> names = List.copyOf(path.weights().keySet());
        try (TensorScope scope = new TensorScope()) {
            Session.Runner runner = session.runner()
                    .feed(graph.images(), scope.add(images(images, count)))
                    .feed(path.outputWeights(), scope.add(TFloat32.tensorOf(
                            ModelGraph.batchShape(count, model.outputShape().dims()),
                            DataBuffers.of(outputWeights, true, false))))
                    .fetch(path.output())
                    .fetch(path.input());
            names.forEach(name -> runner.fetch(path.weights().get(name)));
            try (Result result = runner.run()) {
                Weights.Builder gradients = Weights.builder();
                for (int i = 0; i < names.size(); i++) {
                    gradients.put(names.get(i), FloatTensor.wrap(shapeOf(names.get(i)),
                            values((TFloat32) result.get(i + 2))));
                }
                return new LossGradients(values((TFloat32) result.get(0)), values((TFloat32) result.get(1)),
                        gradients.build());
            }
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("computing gradients of model '" + model.name() + "'", e);
        }
    }

    @Override
    public Weights weights() {
        requireOpen();
        try {
            return read(graph.weights(), Weights.builder(), v -> v.key()).build();
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("reading the weights of model '" + model.name() + "'", e);
        }
    }

    @Override
    public void setWeights(Weights weights) {
        requireOpen();
        model.requireCompatible(weights, "setWeights");
        try {
            assign(graph.weights(), v -> weights.get(v.key()));
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("setting the weights of model '" + model.name() + "'", e);
        }
    }

    @Override
    public OptimizerState optimizerState() {
        ModelGraph.Training training = requireTraining("read its optimizer state");
        Weights.Builder slots = Weights.builder();
        try {
            read(training.slots(), slots, ModelGraph.Variable::key);
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("reading the optimizer state of model '" + model.name() + "'", e);
        }
        return new OptimizerState(iterations, slots.build());
    }

    @Override
    public void setOptimizerState(OptimizerState state) {
        ModelGraph.Training training = requireTraining("restore an optimizer state");
        List<ModelGraph.Variable> moments = training.slots();
        List<String> problems = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (ModelGraph.Variable slot : moments) {
            expected.add(slot.key());
            if (!state.slots().contains(slot.key())) {
                problems.add("missing " + slot.key());
            } else if (!Arrays.equals(state.slots().get(slot.key()).shape(), slot.shape())) {
                problems.add(slot.key() + " has shape " + Arrays.toString(state.slots().get(slot.key()).shape())
                        + ", expected " + Arrays.toString(slot.shape()));
            }
        }
        state.slots().names().stream().filter(n -> !expected.contains(n)).forEach(n -> problems.add("unexpected " + n));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Optimizer state does not fit model '" + model.name() + "': "
                    + String.join("; ", problems));
        }
        try {
            assign(moments, v -> state.slots().get(v.key()));
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw failed("restoring the optimizer state of model '" + model.name() + "'", e);
        }
        iterations = state.iterations();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } finally {
            graph.close();
        }
    }

    OptimizerState zeroOptimizerState() {
        ModelGraph.Training training = requireTraining("create an optimizer state");
        Weights.Builder slots = Weights.builder();
        for (ModelGraph.Variable slot : training.slots()) {
            slots.put(slot.key(), FloatTensor.filled(slot.shape(), 0f));
        }
        return new OptimizerState(0, slots.build());
    }

    private Weights.Builder read(List<ModelGraph.Variable> variables, Weights.Builder into,
            java.util.function.Function<ModelGraph.Variable, String> name) {
        if (variables.isEmpty()) {
            return into;
        }
        Session.Runner runner = session.runner();
        variables.forEach(v -> runner.fetch(v.read()));
        try (Result result = runner.run()) {
            for (int i = 0; i < variables.size(); i++) {
                ModelGraph.Variable v = variables.get(i);
                float[] values = new float[Math.toIntExact(((TFloat32) result.get(i)).size())];
                ((TFloat32) result.get(i)).copyTo(DataBuffers.of(values, false, false));
                into.put(name.apply(v), FloatTensor.wrap(v.shape(), values));
            }
        }
        return into;
    }

    /** Replaces {@code variables} in one run. */
    private void assign(List<ModelGraph.Variable> variables,
            java.util.function.Function<ModelGraph.Variable, FloatTensor> values) {
        try (TensorScope scope = new TensorScope()) {
            Session.Runner runner = session.runner();
            for (ModelGraph.Variable v : variables) {
                FloatTensor value = values.apply(v);
                TFloat32 tensor = scope.add(TFloat32.tensorOf(ModelGraph.tensorShape(v.shape()),
                        DataBuffers.of(value.toArray(), true, false)));
                runner.feed(v.newValue(), tensor).addTarget(v.assign());
            }
            if (!runner.isEmpty()) {
                runner.run().close();
            }
        }
    }

    private int[] shapeOf(String weight) {
        return graph.weights().stream().filter(v -> v.key().equals(weight)).findFirst().orElseThrow().shape();
    }

    private static float[] values(TFloat32 tensor) {
        float[] values = new float[Math.toIntExact(tensor.size())];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    private void requireImages(String what, float[] images, int count) {
        requireOpen();
        if (count <= 0) {
            throw new IllegalArgumentException(what + " needs at least one image, got count " + count);
        }
        if (images.length != (long) count * model.inputShape().size()) {
            throw new IllegalArgumentException(count + " images of " + model.inputShape() + " need "
                    + (long) count * model.inputShape().size() + " values, got " + images.length);
        }
    }

    private TFloat32 images(float[] values, int count) {
        return TFloat32.tensorOf(ModelGraph.batchShape(count, model.inputShape().dims()),
                DataBuffers.of(values, true, false));
    }

    private static TFloat32 floats(float[] values, long rows, long columns) {
        return TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(rows, columns), DataBuffers.of(values, true, false));
    }

    private void requireFits(Batch batch) {
        requireOpen();
        if (batch.size() <= 0) {
            throw new IllegalArgumentException("Batch is empty; a training step needs at least one example");
        }
        Shape expected = model.inputShape();
        if (!batch.imageShape().equals(expected)) {
            throw new IllegalArgumentException("Batch images have shape " + batch.imageShape() + " but model '"
                    + model.name() + "' takes " + expected);
        }
        if (batch.numClasses() != model.numClasses()) {
            throw new IllegalArgumentException("Batch labels are one-hot over " + batch.numClasses()
                    + " classes but model '" + model.name() + "' outputs " + model.numClasses());
        }
    }

    private ModelGraph.Training requireTraining(String what) {
        requireOpen();
        return graph.training().orElseThrow(() -> new IllegalStateException("Cannot " + what + ": the engine for "
                + "model '" + model.name() + "' was built for inference only (use EngineRequest.training)"));
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("The TensorFlow engine for model '" + model.name() + "' is closed");
        }
    }

    /** Closes every tensor a call created, whatever happens. */
    private static final class TensorScope implements AutoCloseable {
        private final List<Tensor> tensors = new ArrayList<>();

        <T extends Tensor> T add(T tensor) {
            tensors.add(tensor);
            return tensor;
        }

        @Override
        public void close() {
            RuntimeException failure = null;
            for (Tensor t : tensors) {
                try {
                    t.close();
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
