package org.sightline.model;

/** Keras's {@code Flatten}: an NHWC image becomes a vector in (height, width, channel) order. */
public record Flatten(String name) implements Layer {

    public static Flatten of() {
        return new Flatten(null);
    }

    @Override
    public Flatten withName(String newName) {
        return new Flatten(newName);
    }

    @Override
    public String kerasClass() {
        return "Flatten";
    }

    @Override
    public String namePrefix() {
        return "flatten";
    }

    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.size());
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.ops().reshape(input, context.inputShape().size());
    }
}
