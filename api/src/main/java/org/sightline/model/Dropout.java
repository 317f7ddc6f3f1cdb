package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Keras's {@code Dropout}: during training, zeroes each value with probability {@code rate} and
 * scales the rest by {@code 1 / (1 - rate)}; at inference it passes values through.
 */
public record Dropout(String name, double rate) implements Layer {

    public Dropout {
        checkArgument(rate >= 0 && rate < 1, "Dropout.rate must be in [0, 1), got %s", rate);
    }

    public static Dropout of(double rate) {
        return new Dropout(null, rate);
    }

    @Override
    public Dropout withName(String newName) {
        return new Dropout(newName, rate);
    }

    @Override
    public String kerasClass() {
        return "Dropout";
    }

    @Override
    public String namePrefix() {
        return "dropout";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }
}
