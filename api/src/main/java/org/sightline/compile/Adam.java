package org.sightline.compile;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sightline.ops.Ops;

/**
 * The Adam optimizer as Keras 3 writes it, with Keras's defaults: learning rate 1e-3, beta1 0.9,
 * beta2 0.999, epsilon 1e-7. For the step after {@code t - 1} steps:
 * {@code m += (g - m)(1 - beta1)}, {@code v += (g² - v)(1 - beta2)},
 * {@code w -= alpha · m / (sqrt(v) + epsilon)} with
 * {@code alpha = lr · sqrt(1 - beta2^t) / (1 - beta1^t)}. Its state (the moments {@code m}, {@code v}
 * of each trainable weight, and the step count) is saved in checkpoints as {@link OptimizerState}.
 */
public record Adam(double learningRate, double beta1, double beta2, double epsilon, LearningRateSchedule schedule)
        implements Optimizer {

    public Adam {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("Adam.learning_rate must be a finite number > 0, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("Adam.beta_1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam.beta_2 must be in [0, 1), got " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("Adam.epsilon must be > 0, got " + epsilon);
        }
        Objects.requireNonNull(schedule, "Adam.learning_rate schedule");
    }

    /** A constant learning rate. */
    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        this(learningRate, beta1, beta2, epsilon, LearningRateSchedule.constant());
    }

    public static Adam defaults() {
        return new Adam(1e-3, 0.9, 0.999, 1e-7);
    }

    public static Adam withLearningRate(double learningRate) {
        Adam d = defaults();
        return new Adam(learningRate, d.beta1, d.beta2, d.epsilon);
    }

    public Adam withSchedule(LearningRateSchedule newSchedule) {
        return new Adam(learningRate, beta1, beta2, epsilon, newSchedule);
    }

    @Override
    public String kerasName() {
        return "adam";
    }

    @Override
    public List<String> slots() {
        return List.of(OptimizerState.FIRST_MOMENT, OptimizerState.SECOND_MOMENT);
    }

    @Override
    public Map<String, Float> hyperparameters(long iterations) {
        double step = iterations + 1;
        double alpha = schedule.rate(learningRate, iterations) * Math.sqrt(1 - Math.pow(beta2, step))
                / (1 - Math.pow(beta1, step));
        return Map.of("alpha", (float) alpha);
    }

    @Override
    public <T> T update(Ops<T> ops, String name, T weight, T gradient) {
        String mName = OptimizerState.slotName(name, OptimizerState.FIRST_MOMENT);
        String vName = OptimizerState.slotName(name, OptimizerState.SECOND_MOMENT);
        T m = ops.read(mName);
        T v = ops.read(vName);
        T newM = ops.add(m, ops.multiply(ops.subtract(gradient, m), ops.constant((float) (1 - beta1))));
        T newV = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v), ops.constant((float) (1 - beta2))));
        ops.assign(mName, newM);
        ops.assign(vName, newV);
        T step = ops.divide(ops.multiply(newM, ops.hyperparameter("alpha")),
                ops.add(ops.sqrt(newV), ops.constant((float) epsilon)));
        return ops.subtract(weight, step);
    }
}
