package org.sightline.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Collections;
import org.sightline.ops.Ops;

/**
 * Keras's {@code SpatialDropout2D}: during training, drops whole channels of each example with
 * probability {@code rate} (Keras's noise shape {@code (batch, 1, 1, channels)}) and scales the rest by
 * {@code 1 / (1 - rate)}; at inference it passes values through.
 */
public record SpatialDropout2D(String name, double rate) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "SpatialDropout2D";

    public SpatialDropout2D {
        checkArgument(rate >= 0 && rate < 1, "SpatialDropout2D.rate must be in [0, 1), got %s", rate);
    }

    public static SpatialDropout2D of(double rate) {
        return new SpatialDropout2D(null, rate);
    }

    @Override
    public SpatialDropout2D withName(String newName) {
        return new SpatialDropout2D(newName, rate);
    }

    /** Reads Keras's config; Keras 2 also wrote Dropout's {@code noise_shape}, null here. */
    public static SpatialDropout2D fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        double rate = config.number("rate", null);
        // As Dropout: Sightline draws from the fit seed; a layer seed changes no result's meaning.
        config.take("seed");
        return config.build(() -> new SpatialDropout2D(config.name(), rate));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.put("rate", rate).putNull("seed").channelsLast();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "spatial_dropout2d";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return input;
    }

    /**
     * One uniform draw per example and channel, kept where it is >= rate as Dropout; the mask is copied
     * over rows and columns by concatenation, since element-wise operations broadcast only over
     * trailing axes.
     */
    @Override
    public <T> T call(CallContext<T> context, T input) {
        if (!context.training() || rate == 0) {
            return input;
        }
        Ops<T> ops = context.ops();
        Shape shape = context.inputShape();
        T channels = ops.slice(input, new int[] {0, 0, 0, 0}, new int[] {-1, 1, 1, -1});
        T keep = ops.greaterEqual(ops.randomUniform(channels, context.layerIndex() + 1), ops.constant((float) rate));
        T rows = shape.height() == 1 ? keep : ops.concat(Collections.nCopies(shape.height(), keep), 1);
        T mask = shape.width() == 1 ? rows : ops.concat(Collections.nCopies(shape.width(), rows), 2);
        return ops.multiply(ops.multiply(input, ops.constant((float) (1 / (1 - rate)))), mask);
    }
}
