package org.sightline.compile;

/**
 * How an optimizer's learning rate changes with the step, as Keras's
 * {@code keras.optimizers.schedules}; the optimizer holds the initial rate. Evaluated in plain Java once
 * per step and handed to the backend as a hyperparameter, so every backend follows the same schedule.
 */
public sealed interface LearningRateSchedule
        permits LearningRateSchedule.Constant, ExponentialDecay, CosineDecay {

    /** The rate for the step taken after {@code iterations} steps, from the optimizer's initial rate. */
    double rate(double initialRate, long iterations);

    /** The initial rate at every step. */
    static LearningRateSchedule constant() {
        return Constant.INSTANCE;
    }

    /** The absence of a schedule. */
    enum Constant implements LearningRateSchedule {
        INSTANCE;

        @Override
        public double rate(double initialRate, long iterations) {
            return initialRate;
        }
    }
}
