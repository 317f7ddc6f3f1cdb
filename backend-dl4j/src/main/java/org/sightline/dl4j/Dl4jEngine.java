package org.sightline.dl4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.data.Batch;
import org.sightline.model.Constraint;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelWeight;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.BatchResult;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.train.Adam;
import org.sightline.train.CompileOptions;
import org.sightline.train.Loss;
import org.sightline.train.OptimizerState;

/**
 * A {@link Sequential} running as one SameDiff graph ({@link NetworkGraph}) on libnd4j. A training step
 * runs the graph's gradient function once for the loss, the training-chain output, the batch-norm
 * batch statistics and every trainable weight's gradient; then, in place, Adam ({@link KerasAdam}),
 * the moving statistics and the kernel constraints. Weights live in ND4J arrays that the graph holds
 * as its variables, in Keras layout, so {@link #weights()} and {@link #setWeights} copy without
 * reordering. Every array made for a batch is closed before the call returns; the graph's own
 * intermediate arrays are recycled by SameDiff's per-session array cache.
 */
final class Dl4jEngine implements ModelEngine {
    private final Sequential model;
    private final NetworkGraph graph;
    private final SameDiff sameDiff;
    private final Map<String, INDArray> weights = new LinkedHashMap<>();
    private final Map<String, INDArray> trainable = new LinkedHashMap<>();
    private final Map<String, Constraint> constraints = new HashMap<>();
    private final KerasAdam adam;
    private final SameDiff gradientFunction;
    private final Map<String, String> gradientNames = new LinkedHashMap<>();
    private final DropoutMasks masks;
    private boolean closed;

    Dl4jEngine(EngineRequest request, ImageLayout layout) {
        this.model = request.model();
        model.numClasses(); // fails early, naming the model, if the output is not a class vector
        for (ModelWeight weight : model.weights()) {
            INDArray array = NdArrays.create(request.weights().get(weight.key()));
            weights.put(weight.key(), array);
            if (weight.spec().trainable()) {
                trainable.put(weight.key(), array);
                constraints.put(weight.key(), weight.spec().constraint());
            }
        }
        try {
            this.graph = NetworkGraph.build(model, weights, layout);
            this.sameDiff = graph.sameDiff();
            requireShared(sameDiff);
            if (request.training().isPresent()) {
                CompileOptions options = request.training().get();
                if (options.loss() != Loss.CATEGORICAL_CROSSENTROPY) {
                    throw new IllegalArgumentException("The dl4j backend supports loss categorical_crossentropy, got "
                            + options.loss().kerasName());
                }
                this.adam = new KerasAdam((Adam) options.optimizer(), trainable);
                sameDiff.createGradFunction();
                this.gradientFunction = sameDiff.getFunction("grad");
                requireShared(gradientFunction);
                for (String name : trainable.keySet()) {
                    SDVariable gradient = sameDiff.getVariable(name).getGradient();
                    if (gradient == null) {
                        throw new IllegalStateException("Weight " + name + " of model '" + model.name()
                                + "' does not reach the loss");
                    }
                    gradientNames.put(name, gradient.name());
                }
                this.masks = new DropoutMasks(graph.dropoutMasks(), request.seed());
            } else {
                this.adam = null;
                this.gradientFunction = null;
                this.masks = null;
            }
        } catch (RuntimeException e) {
            weights.values().forEach(INDArray::close);
            throw e;
        }
    }

    /** The graph must hold our arrays, not copies, or in-place updates would not reach it. */
    private void requireShared(SameDiff instance) {
        weights.forEach((name, array) -> {
            if (instance.getArrForVarName(name) != array) {
                throw new IllegalStateException("SameDiff copied weight " + name + "; in-place updates would be lost");
            }
        });
    }

    @Override
    public BatchResult trainOnBatch(Batch batch) {
        return runTrainingGraph(batch, results -> {
            double loss = results.get(NetworkGraph.LOSS).getDouble(0);
            int correct = countCorrect(NdArrays.toFloats(results.get(NetworkGraph.TRAIN_OUTPUT)), batch.labels(),
                    model.numClasses());
            for (NetworkGraph.BatchStatistics stats : graph.batchStatistics()) {
                updateMoving(weights.get(stats.movingMean()), results.get(stats.batchMean()), stats.momentum());
                updateMoving(weights.get(stats.movingVariance()), results.get(stats.batchVariance()),
                        stats.momentum());
            }
            for (Map.Entry<String, String> entry : gradientNames.entrySet()) {
                adam.apply(entry.getKey(), trainable.get(entry.getKey()), results.get(entry.getValue()));
            }
            adam.finishStep();
            constraints.forEach((name, constraint) -> WeightConstraints.apply(constraint, trainable.get(name)));
            return new BatchResult(loss, correct, batch.size());
        });
    }

    /**
     * The loss's gradient for every trainable weight on {@code batch} (Keras names and layout), without
     * changing any weight, moment or statistic; dropout masks are drawn as for a step. For tests.
     */
    Map<String, FloatTensor> gradients(Batch batch) {
        return runTrainingGraph(batch, results -> {
            Map<String, FloatTensor> gradients = new LinkedHashMap<>();
            gradientNames.forEach((name, gradient) -> gradients.put(name, NdArrays.toTensor(results.get(gradient))));
            return gradients;
        });
    }

    /**
     * Runs the gradient function on {@code batch} for the loss, the training output, the batch-norm
     * batch statistics and all gradients, hands them to {@code use}, then closes every array of the batch.
     */
    private <T> T runTrainingGraph(Batch batch, Function<Map<String, INDArray>, T> use) {
        checkOpen();
        if (adam == null) {
            throw new IllegalStateException("Engine for model '" + model.name() + "' was built for inference only");
        }
        int n = batch.size();
        int classes = model.numClasses();
        if (batch.numClasses() != classes) {
            throw new IllegalArgumentException("Batch has " + batch.numClasses() + " classes, model '" + model.name()
                    + "' has " + classes);
        }
        List<String> outputs = new ArrayList<>();
        outputs.add(NetworkGraph.LOSS);
        outputs.add(NetworkGraph.TRAIN_OUTPUT);
        for (NetworkGraph.BatchStatistics stats : graph.batchStatistics()) {
            outputs.add(stats.batchMean());
            outputs.add(stats.batchVariance());
        }
        outputs.addAll(gradientNames.values());

        Map<String, INDArray> results = Map.of();
        try (INDArray images = images(batch.images(), n);
                INDArray labels = Nd4j.create(batch.oneHot(), new long[] {n, classes}, 'c')) {
            Map<String, INDArray> placeholders = new HashMap<>();
            placeholders.put(NetworkGraph.INPUT, images);
            placeholders.put(NetworkGraph.LABELS, labels);
            placeholders.putAll(masks.sample(n));
            results = gradientFunction.output(placeholders, outputs.toArray(String[]::new));
            return use.apply(results);
        } finally {
            closeAll(results.values());
        }
    }

    /** Keras: {@code moving = moving * momentum + batch * (1 - momentum)}; {@code batch} is consumed. */
    private static void updateMoving(INDArray moving, INDArray batch, double momentum) {
        moving.muli(momentum).addi(batch.muli(1 - momentum));
    }

    private static int countCorrect(float[] probabilities, int[] labels, int classes) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
                    best = c;
                }
            }
            if (best == labels[i]) {
                correct++;
            }
        }
        return correct;
    }

    @Override
    public float[] predict(float[] images, int count) {
        checkOpen();
        Map<String, INDArray> results = Map.of();
        try (INDArray input = images(images, count)) {
            results = sameDiff.output(Map.of(NetworkGraph.INPUT, input), NetworkGraph.OUTPUT);
            return NdArrays.toFloats(results.get(NetworkGraph.OUTPUT));
        } finally {
            closeAll(results.values());
        }
    }

    private INDArray images(float[] values, int count) {
        Shape shape = model.inputShape();
        if (values.length != (long) count * shape.size()) {
            throw new IllegalArgumentException("Expected " + count + " images of " + shape + " = "
                    + (long) count * shape.size() + " floats, got " + values.length);
        }
        long[] dims = new long[shape.rank() + 1];
        dims[0] = count;
        for (int i = 0; i < shape.rank(); i++) {
            dims[i + 1] = shape.dim(i);
        }
        return Nd4j.create(values, dims, 'c');
    }

    /** Closes each distinct array once; views are skipped by ND4J itself. */
    private static void closeAll(Iterable<INDArray> arrays) {
        Set<INDArray> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (INDArray array : arrays) {
            if (array != null && seen.add(array)) {
                array.close();
            }
        }
    }

    @Override
    public Weights weights() {
        checkOpen();
        Weights.Builder builder = Weights.builder();
        weights.forEach((name, array) -> builder.put(name, NdArrays.toTensor(array)));
        return builder.build();
    }

    @Override
    public void setWeights(Weights newWeights) {
        checkOpen();
        model.requireCompatible(newWeights, "setWeights");
        weights.forEach((name, array) -> NdArrays.copyInto(newWeights.get(name), array));
    }

    @Override
    public OptimizerState optimizerState() {
        checkOpen();
        return requireTraining().state();
    }

    @Override
    public void setOptimizerState(OptimizerState state) {
        checkOpen();
        requireTraining().restore(state);
    }

    private KerasAdam requireTraining() {
        if (adam == null) {
            throw new IllegalStateException("Engine for model '" + model.name()
                    + "' was built for inference only: it has no optimizer state");
        }
        return adam;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The dl4j engine for model '" + model.name() + "' is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (masks != null) {
            masks.close();
        }
        if (adam != null) {
            adam.close();
        }
        weights.values().forEach(INDArray::close);
    }
}
