package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.sightline.ops.Ops;

/**
 * Keras's {@code Rescaling}: {@code x * scale + offset}. Each of scale and offset is one number, or (as
 * Keras 3 allows) one number per channel, over the last axis; Keras 2 knew numbers only.
 *
 * <pre>{@code
 * Rescaling.of(1 / 255.0, 0)                                        // pixels to [0, 1]
 * new Rescaling(null, List.of(1 / 0.229, 1 / 0.224, 1 / 0.225), List.of(0.0))
 * }</pre>
 *
 * @param scale  one value, or one per channel
 * @param offset one value, or one per channel
 */
public record Rescaling(String name, List<Double> scale, List<Double> offset) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "Rescaling";

    public Rescaling {
        scale = checked("scale", scale);
        offset = checked("offset", offset);
    }

    private static List<Double> checked(String field, List<Double> values) {
        checkArgument(values != null && !values.isEmpty() && values.stream().allMatch(v -> v != null
                && Double.isFinite(v)), "Rescaling.%s must be one or more finite numbers, got %s", field, values);
        return List.copyOf(values);
    }

    public static Rescaling of(double scale, double offset) {
        return new Rescaling(null, List.of(scale), List.of(offset));
    }

    @Override
    public Rescaling withName(String newName) {
        return new Rescaling(newName, scale, offset);
    }

    /** Reads {@code scale} (required) and {@code offset} (0 when absent), each a number or a list of them. */
    public static Rescaling fromKeras(KerasConfig config, Shape input) {
        List<Double> scale = ChannelValues.read(config, "scale");
        if (scale == null) {
            throw config.error("missing required setting 'scale'");
        }
        List<Double> read = ChannelValues.read(config, "offset");
        List<Double> offset = read == null ? List.of(0.0) : read;
        return config.build(() -> new Rescaling(config.name(), scale, offset));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        ChannelValues.write(config, "scale", scale);
        ChannelValues.write(config, "offset", offset);
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "rescaling";
    }

    /** The input's shape; a per-channel list must have one value per value of the last axis. */
    @Override
    public Shape outputShape(Shape input) {
        ChannelValues.requireFits(this, "scale", scale, input);
        ChannelValues.requireFits(this, "offset", offset, input);
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        Ops<T> ops = context.ops();
        return ops.add(ops.multiply(input, ChannelValues.constant(ops, scale)), ChannelValues.constant(ops, offset));
    }
}
