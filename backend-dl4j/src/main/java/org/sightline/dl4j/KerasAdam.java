package org.sightline.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.model.FloatTensor;
import org.sightline.model.Weights;
import org.sightline.compile.Adam;
import org.sightline.compile.OptimizerState;

/**
 * Adam with Keras's update rule, run by libnd4j's {@code adam_updater} op in place:
 * {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g²},
 * {@code w -= lr sqrt(1 - b2^t) / (1 - b1^t) · m / (sqrt(v) + eps)} with {@code t} the 1-based step.
 * The engine owns the moments so that they move to and from {@link OptimizerState} in Keras's names
 * ({@code <weight>/m}, {@code <weight>/v}) and layout without any reshaping.
 */
final class KerasAdam implements AutoCloseable {
    private final Adam config;
    private final Map<String, INDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, INDArray> secondMoments = new LinkedHashMap<>();
    private long iterations;

    /** Zero moments for each of {@code trainable}, shaped like the given weights. */
    KerasAdam(Adam config, Map<String, INDArray> trainable) {
        this.config = config;
        trainable.forEach((name, weight) -> {
            firstMoments.put(name, Nd4j.zeros(DataType.FLOAT, weight.shape()));
            secondMoments.put(name, Nd4j.zeros(DataType.FLOAT, weight.shape()));
        });
    }

    long iterations() {
        return iterations;
    }

    /**
     * Applies one step to {@code weight} from {@code gradient}; the gradient array is overwritten with
     * the update. Call {@link #finishStep()} once all weights of the step are updated.
     */
    void apply(String name, INDArray weight, INDArray gradient) {
        INDArray m = firstMoments.get(name);
        INDArray v = secondMoments.get(name);
        if (!Arrays.equals(gradient.shape(), weight.shape())) {
            throw new IllegalStateException("Gradient of " + name + " has shape " + Arrays.toString(gradient.shape())
                    + ", weight has " + Arrays.toString(weight.shape()));
        }
        // libnd4j counts the step from 0 and corrects the bias with (iteration + 1), Keras's t.
        Nd4j.exec(new AdamUpdater(gradient, v, m, config.learningRate(), config.beta1(), config.beta2(),
                config.epsilon(), Math.toIntExact(iterations)));
        weight.subi(gradient);
    }

    void finishStep() {
        iterations++;
    }

    OptimizerState state() {
        Weights.Builder slots = Weights.builder();
        for (String name : firstMoments.keySet()) {
            slots.put(OptimizerState.slotName(name, OptimizerState.FIRST_MOMENT), NdArrays.toTensor(firstMoments.get(name)));
            slots.put(OptimizerState.slotName(name, OptimizerState.SECOND_MOMENT),
                    NdArrays.toTensor(secondMoments.get(name)));
        }
        return new OptimizerState(iterations, slots.build());
    }

    /** Replaces moments and step count; the slots must be exactly this optimizer's names and shapes. */
    void restore(OptimizerState state) {
        List<String> problems = new ArrayList<>();
        Map<String, INDArray> targets = new LinkedHashMap<>();
        for (String name : firstMoments.keySet()) {
            targets.put(OptimizerState.slotName(name, OptimizerState.FIRST_MOMENT), firstMoments.get(name));
            targets.put(OptimizerState.slotName(name, OptimizerState.SECOND_MOMENT), secondMoments.get(name));
        }
        targets.forEach((slot, target) -> {
            if (!state.slots().contains(slot)) {
                problems.add("missing " + slot);
            } else if (!Arrays.equals(state.slots().get(slot).shape(), NdArrays.intShape(target))) {
                problems.add(slot + " has shape " + Arrays.toString(state.slots().get(slot).shape()) + ", expected "
                        + Arrays.toString(target.shape()));
            }
        });
        for (String slot : state.slots().names()) {
            if (!targets.containsKey(slot)) {
                problems.add("unexpected " + slot);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Optimizer state does not fit this model's Adam: "
                    + String.join("; ", problems));
        }
        targets.forEach((slot, target) -> NdArrays.copyInto(state.slots().get(slot), target));
        iterations = state.iterations();
    }

    @Override
    public void close() {
        firstMoments.values().forEach(INDArray::close);
        secondMoments.values().forEach(INDArray::close);
    }
}
