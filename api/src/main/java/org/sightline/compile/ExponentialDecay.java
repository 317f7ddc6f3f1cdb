package org.sightline.compile;

/**
 * Keras's {@code ExponentialDecay}: {@code initial * decayRate ^ (step / decaySteps)}, the exponent
 * floored when {@code staircase}.
 *
 * <pre>{@code
 * Adam.withLearningRate(1e-3).withSchedule(new ExponentialDecay(10_000, 0.9, false))
 * }</pre>
 */
public record ExponentialDecay(long decaySteps, double decayRate, boolean staircase) implements LearningRateSchedule {

    public ExponentialDecay {
        if (decaySteps <= 0) {
            throw new IllegalArgumentException("ExponentialDecay.decay_steps must be > 0, got " + decaySteps);
        }
        if (!(decayRate > 0) || Double.isInfinite(decayRate)) {
            throw new IllegalArgumentException("ExponentialDecay.decay_rate must be a finite number > 0, got "
                    + decayRate);
        }
    }

    @Override
    public double rate(double initialRate, long iterations) {
        double exponent = (double) iterations / decaySteps;
        return initialRate * Math.pow(decayRate, staircase ? Math.floor(exponent) : exponent);
    }
}
