package org.sightline.compile;

import java.util.ArrayList;
import java.util.List;
import org.sightline.model.ModelOutput;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Regularizer;
import org.sightline.ops.TrainingOps;

/**
 * One training step, written once over {@link TrainingOps}: the model forward in training mode, the
 * loss and the metric, the penalties of the regularized trainable weights added to the loss (Keras's
 * {@code model.losses}), the loss's gradients, then for every trainable weight the optimizer's update
 * and the weight's constraint, assigned at the end of the run (Keras's order). A graph backend builds
 * it once and runs it per batch, feeding {@link Optimizer#hyperparameters} each time.
 */
public final class TrainingStep {

    /**
     * What a step computes besides its assignments.
     *
     * @param loss    the batch's mean loss plus the weights' penalties, a scalar, as Keras reports it
     * @param correct how many examples the metric counts as right, a scalar
     */
    public record Outputs<T>(T loss, T correct) {
    }

    /** A variable the optimizer needs besides the model's weights: {@code <weight>/<slot>}, zeros at first. */
    public record Slot(String name, int[] shape) {
        @Override
        public int[] shape() {
            return shape.clone();
        }
    }

    private TrainingStep() {
    }

    /** Builds (or runs, on an eager backend) one step on {@code images} with one-hot {@code labels}. */
    public static <T> Outputs<T> build(TrainingOps<T> ops, Network model, CompileOptions options, T images,
            T labels) {
        ModelOutput<T> output = model.call(ops, images, true);
        T loss = options.loss().compute(ops, labels, output);
        T correct = Metric.ACCURACY.count(ops, labels, output.output());
        List<ModelWeight> trainable = trainableWeights(model);
        List<T> values = new ArrayList<>(trainable.size());
        for (ModelWeight weight : trainable) {
            values.add(ops.read(weight.key()));
        }
        for (int i = 0; i < trainable.size(); i++) {
            Regularizer regularizer = trainable.get(i).spec().regularizer();
            if (!regularizer.isNone()) {
                loss = ops.add(loss, regularizer.penalty(ops, values.get(i), trainable.get(i).spec().shape()));
            }
        }
        List<T> gradients = ops.gradients(loss, values);
        for (int i = 0; i < trainable.size(); i++) {
            ModelWeight weight = trainable.get(i);
            T updated = options.optimizer().update(ops, weight.key(), values.get(i), gradients.get(i));
            ops.assign(weight.key(), weight.spec().constraint().apply(ops, updated, weight.spec().shape()));
        }
        return new Outputs<>(loss, correct);
    }

    /** The optimizer's slots for {@code model}, weight by weight in the model's order. */
    public static List<Slot> slots(Network model, Optimizer optimizer) {
        List<Slot> slots = new ArrayList<>();
        for (ModelWeight weight : trainableWeights(model)) {
            for (String slot : optimizer.slots()) {
                slots.add(new Slot(OptimizerState.slotName(weight.key(), slot), weight.spec().shape()));
            }
        }
        return List.copyOf(slots);
    }

    private static List<ModelWeight> trainableWeights(Network model) {
        return model.weights().stream().filter(w -> w.spec().trainable()).toList();
    }
}
