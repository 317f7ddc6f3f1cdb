package org.sightline.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Keras's {@code Softmax} layer over the last axis, the only axis Sightline supports: a config with any
 * other {@code axis} is refused by name. A loss after it works on its logits, as after a softmax
 * activation.
 *
 * <pre>{@code
 * Softmax.of()
 * }</pre>
 *
 * @param name the layer's name, or null for Keras's automatic one
 */
public record Softmax(String name) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Softmax";

    public static Softmax of() {
        return new Softmax(null);
    }

    @Override
    public Softmax withName(String newName) {
        return new Softmax(newName);
    }

    /**
     * Reads Keras's config. {@code axis} may be -1, the last axis by its positive number (the input's
     * rank, counting the batch), or a list of just one of those, as Keras accepts.
     */
    public static Softmax fromKeras(KerasConfig config, Shape input) {
        JsonNode axis = config.take("axis");
        JsonNode single = axis != null && axis.isArray() && axis.size() == 1 ? axis.get(0) : axis;
        boolean last = single == null || (single.isIntegralNumber()
                && (single.intValue() == -1 || single.intValue() == input.rank()));
        if (!last) {
            throw config.error("axis " + axis + " is not supported; Sightline's Softmax runs over the last axis (-1)");
        }
        return new Softmax(config.name());
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("axis", -1);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "softmax";
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return context.activate(ActivationFunction.SOFTMAX, input);
    }
}
