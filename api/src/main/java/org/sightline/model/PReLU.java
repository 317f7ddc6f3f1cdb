package org.sightline.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Keras's {@code PReLU} layer: {@code x} where {@code x >= 0}, else {@code alpha * x}, with {@code alpha}
 * a trained weight shaped like one example, zero-initialised (so it starts as a ReLU). Along each of
 * {@code sharedAxes} (counting the batch as axis 0, as Keras) one value serves the whole axis: with
 * {@code [1, 2]} on images, one alpha per channel.
 *
 * <pre>{@code
 * PReLU.of().withSharedAxes(1, 2)   // (h, w, c) -> alpha of shape (1, 1, c)
 * }</pre>
 *
 * @param name       the layer's name, or null for Keras's automatic one
 * @param sharedAxes axes, each >= 1, along which alpha is shared; empty for none
 */
public record PReLU(String name, List<Integer> sharedAxes) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "PReLU";

    public PReLU {
        sharedAxes = List.copyOf(Objects.requireNonNull(sharedAxes, "PReLU.shared_axes"));
        for (int axis : sharedAxes) {
            if (axis < 1) {
                throw new IllegalArgumentException("PReLU.shared_axes must count from 1 (axis 0 is the batch), got "
                        + sharedAxes);
            }
        }
    }

    /** One alpha per input value: Keras's default. */
    public static PReLU of() {
        return new PReLU(null, List.of());
    }

    @Override
    public PReLU withName(String newName) {
        return new PReLU(newName, sharedAxes);
    }

    public PReLU withSharedAxes(Integer... axes) {
        return new PReLU(name, List.of(axes));
    }

    /**
     * Reads Keras's config: {@code shared_axes} null, one axis or a list. An alpha regularizer or
     * constraint is refused as an unsupported setting.
     */
    public static PReLU fromKeras(KerasConfig config, Shape input) {
        config.initializer("alpha_initializer", Initializer.ZEROS);
        JsonNode node = config.take("shared_axes");
        List<Integer> axes = new ArrayList<>();
        if (node != null && node.isIntegralNumber()) {
            axes.add(node.intValue());
        } else if (node != null && node.isArray()) {
            for (JsonNode axis : node) {
                if (!axis.isIntegralNumber()) {
                    throw config.error("shared_axes must be an integer or a list of integers, got " + node);
                }
                axes.add(axis.intValue());
            }
        } else if (node != null) {
            throw config.error("shared_axes must be an integer or a list of integers, got " + node);
        }
        return config.build(() -> new PReLU(config.name(), axes));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.initializer("alpha_initializer", Initializer.ZEROS).putNull("alpha_regularizer", "alpha_constraint");
        if (sharedAxes.isEmpty()) {
            config.putNull("shared_axes");
        } else {
            ArrayNode axes = config.config().putArray("shared_axes");
            sharedAxes.forEach(axes::add);
        }
        config.recordInputShape();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "p_re_lu";
    }

    @Override
    public Shape outputShape(Shape input) {
        alphaShape(input);
        return input;
    }

    @Override
    public List<WeightSpec> weights(Shape input) {
        return List.of(WeightSpec.trainable("alpha", Initializer.ZEROS, Constraint.none(), alphaShape(input)));
    }

    /** One example's shape with 1 along each shared axis, as Keras builds the weight. */
    private int[] alphaShape(Shape input) {
        int[] shape = input.dims();
        for (int axis : sharedAxes) {
            if (axis > shape.length) {
                throw new IllegalArgumentException("PReLU '" + name + "' shares axis " + axis + " but its input "
                        + input + " has axes 1 to " + shape.length);
            }
            shape[axis - 1] = 1;
        }
        return shape;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        return ActivationFunction.leakyRelu(context.ops(), input, context.weight("alpha"));
    }
}
