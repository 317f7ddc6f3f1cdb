package org.sightline.compile;

/**
 * The Adam optimizer with Keras's defaults: learning rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7.
 * Its state (first and second moments of each trainable weight, and the step count) is saved in
 * checkpoints as {@link OptimizerState}.
 */
public record Adam(double learningRate, double beta1, double beta2, double epsilon) implements Optimizer {

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
    }

    public static Adam defaults() {
        return new Adam(1e-3, 0.9, 0.999, 1e-7);
    }

    public static Adam withLearningRate(double learningRate) {
        Adam d = defaults();
        return new Adam(learningRate, d.beta1, d.beta2, d.epsilon);
    }

    @Override
    public String kerasName() {
        return "adam";
    }
}
