package org.sightline.compile;

/**
 * Keras's {@code CosineDecay} without warm-up: the rate falls along half a cosine from the initial rate
 * to {@code alpha} times it over {@code decaySteps}, then stays there.
 */
public record CosineDecay(long decaySteps, double alpha) implements LearningRateSchedule {

    public CosineDecay {
        if (decaySteps <= 0) {
            throw new IllegalArgumentException("CosineDecay.decay_steps must be > 0, got " + decaySteps);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("CosineDecay.alpha must be in [0, 1], got " + alpha);
        }
    }

    @Override
    public double rate(double initialRate, long iterations) {
        double progress = Math.min(iterations, decaySteps) / (double) decaySteps;
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return initialRate * ((1 - alpha) * cosine + alpha);
    }
}
