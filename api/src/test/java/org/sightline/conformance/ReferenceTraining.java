package org.sightline.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Loss;
import org.sightline.compile.OptimizerState;
import org.sightline.compile.TrainingStep;
import org.sightline.data.Batch;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelOutput;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import org.sightline.spi.LossGradients;

/**
 * The oracle of training, what {@code ModelEngine.lossGradients} and {@code trainOnBatch} must give:
 * the api's own {@link Network#call}, {@link Loss} and {@link TrainingStep} run on {@link ReferenceOps}.
 *
 * <pre>{@code
 * ReferenceTraining.Step step = ReferenceTraining.step(model, weights, state, options, batch, seed);
 * step.weights();  // weights and moving statistics after one step; step.state(): the optimizer's
 * }</pre>
 */
public final class ReferenceTraining {

    private ReferenceTraining() {
    }

    /**
     * One step's outcome.
     *
     * @param loss    the batch's mean loss before the step
     * @param correct examples the accuracy metric counts as right
     * @param weights every weight of the model after the step (moving statistics included)
     * @param state   the optimizer's slots after the step, and the step count
     */
    public record Step(double loss, int correct, Weights weights, OptimizerState state) {
    }

    /**
     * {@code TrainingStep.build} on the reference: the step from {@code weights} and {@code state} on
     * {@code batch}, with the optimizer's hyperparameters of step {@code state.iterations()}; dropout
     * draws from {@code seed}'s streams.
     */
    public static Step step(Network model, Weights weights, OptimizerState state, CompileOptions options,
            Batch batch, long seed) {
        model.requireCompatible(weights, "the reference training step");
        Map<String, FloatTensor> variables = new LinkedHashMap<>(weights.asMap());
        List<String> slotNames = new ArrayList<>();
        for (TrainingStep.Slot slot : TrainingStep.slots(model, options.optimizer())) {
            slotNames.add(slot.name());
            variables.put(slot.name(), state.slots().contains(slot.name()) ? state.slots().get(slot.name())
                    : FloatTensor.filled(slot.shape(), 0f));
        }
        ReferenceOps ops = new ReferenceOps(variables, seed);
        ops.setHyperparameters(options.optimizer().hyperparameters(state.iterations()));
        TrainingStep.Outputs<ReferenceTensor> outputs = TrainingStep.build(ops, model, options,
                ops.constant(ReferenceForwardPass.input(model, batch.images(), batch.size())),
                ops.constant(FloatTensor.of(new int[] {batch.size(), batch.numClasses()}, batch.oneHot())));
        ops.commit();
        return new Step(outputs.loss().get(0), (int) Math.round(outputs.correct().get(0)),
                ops.variables(weights.names()), new OptimizerState(state.iterations() + 1, ops.variables(slotNames)));
    }

    /** The first step of a fresh optimizer: zero slots, no steps taken. */
    public static Step firstStep(Network model, Weights weights, CompileOptions options, Batch batch, long seed) {
        return step(model, weights, new OptimizerState(0, Weights.builder().build()), options, batch, seed);
    }

    /**
     * What {@code ModelEngine.lossGradients} gives: the output on {@code count} images and the gradients
     * of {@code sum(output * outputWeights)} at the images and at every trainable weight, in training mode
     * or not. Nothing is assigned. Dropout draws from {@code seed}'s streams, which no backend shares.
     */
    public static LossGradients lossGradients(Network model, Weights weights, float[] images, int count,
            float[] outputWeights, boolean training, long seed) {
        model.requireCompatible(weights, "the reference gradients");
        ReferenceOps ops = new ReferenceOps(weights.asMap(), seed);
        ReferenceTensor input = ops.constant(ReferenceForwardPass.input(model, images, count));
        ReferenceTensor output = model.call(ops, input, training).output();
        if (outputWeights.length != output.size()) {
            throw new IllegalArgumentException("The output has " + output.size() + " values, got "
                    + outputWeights.length + " output weights");
        }
        ReferenceTensor objective = ops.sum(ops.multiply(output,
                ops.constant(FloatTensor.of(output.shape(), outputWeights))), allAxes(output), false);
        List<ModelWeight> trainable = trainable(model);
        List<ReferenceTensor> sources = new ArrayList<>();
        sources.add(input);
        trainable.forEach(w -> sources.add(ops.read(w.key())));
        List<ReferenceTensor> gradients = ops.gradients(objective, sources);
        ops.discard();
        Weights.Builder byWeight = Weights.builder();
        for (int i = 0; i < trainable.size(); i++) {
            byWeight.put(trainable.get(i).key(), gradients.get(i + 1).toFloatTensor());
        }
        return new LossGradients(output.toFloatArray(), gradients.get(0).toFloatArray(), byWeight.build());
    }

    /**
     * The gradient of {@code options.loss()} on {@code batch} at every trainable weight, the model in
     * training mode: what an optimizer step starts from.
     */
    public static Weights gradients(Network model, Weights weights, Loss loss, Batch batch, long seed) {
        model.requireCompatible(weights, "the reference gradients");
        ReferenceOps ops = new ReferenceOps(weights.asMap(), seed);
        ModelOutput<ReferenceTensor> output = model.call(ops,
                ops.constant(ReferenceForwardPass.input(model, batch.images(), batch.size())), true);
        ReferenceTensor value = loss.compute(ops,
                ops.constant(FloatTensor.of(new int[] {batch.size(), batch.numClasses()}, batch.oneHot())), output);
        List<ModelWeight> trainable = trainable(model);
        List<ReferenceTensor> gradients = ops.gradients(value, trainable.stream().map(w -> ops.read(w.key())).toList());
        ops.discard();
        Weights.Builder byWeight = Weights.builder();
        for (int i = 0; i < trainable.size(); i++) {
            byWeight.put(trainable.get(i).key(), gradients.get(i).toFloatTensor());
        }
        return byWeight.build();
    }

    private static List<ModelWeight> trainable(Network model) {
        return model.weights().stream().filter(w -> w.spec().trainable()).toList();
    }

    private static int[] allAxes(ReferenceTensor tensor) {
        int[] axes = new int[tensor.rank()];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        return axes;
    }
}
