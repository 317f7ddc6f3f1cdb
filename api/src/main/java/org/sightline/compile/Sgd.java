package org.sightline.compile;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sightline.ops.Ops;

/**
 * Stochastic gradient descent as Keras 3's {@code SGD}: {@code w -= lr · g}; with momentum,
 * {@code velocity = momentum · velocity - lr · g} and {@code w += velocity}, or with Nesterov
 * {@code w += momentum · velocity - lr · g}. The velocity is the slot {@code momentum}.
 *
 * <pre>{@code
 * new Sgd(0.1, 0.9, true)
 * }</pre>
 */
public record Sgd(double learningRate, double momentum, boolean nesterov, LearningRateSchedule schedule)
        implements Optimizer {

    /** The slot holding each weight's velocity, Keras's name. */
    public static final String VELOCITY = "momentum";

    public Sgd {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("SGD.learning_rate must be a finite number > 0, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("SGD.momentum must be in [0, 1), got " + momentum);
        }
        Objects.requireNonNull(schedule, "SGD.learning_rate schedule");
    }

    /** A constant learning rate. */
    public Sgd(double learningRate, double momentum, boolean nesterov) {
        this(learningRate, momentum, nesterov, LearningRateSchedule.constant());
    }

    /** Keras's defaults: learning rate 0.01, no momentum. */
    public static Sgd defaults() {
        return new Sgd(0.01, 0, false);
    }

    public Sgd withSchedule(LearningRateSchedule newSchedule) {
        return new Sgd(learningRate, momentum, nesterov, newSchedule);
    }

    @Override
    public String kerasName() {
        return "sgd";
    }

    @Override
    public List<String> slots() {
        return momentum == 0 ? List.of() : List.of(VELOCITY);
    }

    @Override
    public Map<String, Float> hyperparameters(long iterations) {
        return Map.of("learning_rate", (float) schedule.rate(learningRate, iterations));
    }

    @Override
    public <T> T update(Ops<T> ops, String name, T weight, T gradient) {
        T step = ops.multiply(gradient, ops.hyperparameter("learning_rate"));
        if (momentum == 0) {
            return ops.subtract(weight, step);
        }
        String velocityName = OptimizerState.slotName(name, VELOCITY);
        T momentumValue = ops.constant((float) momentum);
        T velocity = ops.subtract(ops.multiply(ops.read(velocityName), momentumValue), step);
        ops.assign(velocityName, velocity);
        return ops.add(weight, nesterov ? ops.subtract(ops.multiply(velocity, momentumValue), step) : velocity);
    }
}
