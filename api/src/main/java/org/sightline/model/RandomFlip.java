package org.sightline.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.sightline.ops.Ops;

/**
 * Keras's {@code RandomFlip}: in training, each example is flipped with probability 1/2 (Keras draws
 * {@code uniform <= 0.5}); at inference it passes through.
 *
 * <p>With {@link Mode#HORIZONTAL_AND_VERTICAL} Sightline follows Keras 3: one draw per example flips it
 * both ways (a half turn) or not at all. Keras 2 drew the two flips independently, so it also made
 * one-way flips; a Keras 2 model read here augments as Keras 3 would.
 *
 * <pre>{@code
 * RandomFlip.of(RandomFlip.Mode.HORIZONTAL)
 * }</pre>
 */
public record RandomFlip(String name, Mode mode) implements UnaryLayer {

    /** The Keras class name. */
    public static final String KERAS_CLASS = "RandomFlip";

    /** Which way to flip, by Keras's names. */
    public enum Mode {
        /** Left-right. */
        HORIZONTAL,
        /** Top-bottom. */
        VERTICAL,
        /** Both at once: Keras's default. */
        HORIZONTAL_AND_VERTICAL;

        public String kerasName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Mode fromKeras(String name) {
            for (Mode mode : values()) {
                if (mode.kerasName().equals(name)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("Unknown RandomFlip mode '" + name
                    + "', expected horizontal, vertical or horizontal_and_vertical");
        }
    }

    public RandomFlip {
        Objects.requireNonNull(mode, "RandomFlip.mode");
    }

    public static RandomFlip of(Mode mode) {
        return new RandomFlip(null, mode);
    }

    @Override
    public RandomFlip withName(String newName) {
        return new RandomFlip(newName, mode);
    }

    /** Reads Keras's config; the layer's {@code seed} is read and not used, as Dropout's. */
    public static RandomFlip fromKeras(KerasConfig config, Shape input) {
        config.requireChannelsLast();
        String mode = config.string("mode", Mode.HORIZONTAL_AND_VERTICAL.kerasName());
        // Sightline draws from the fit seed and the layer's position, on every backend the same way.
        config.take("seed");
        return config.build(() -> new RandomFlip(config.name(), Mode.fromKeras(mode)));
    }

    @Override
    public void kerasConfig(KerasConfig.Writer config) {
        config.putNull("seed").put("mode", mode.kerasName()).channelsLast();
    }

    @Override
    public String kerasClass() {
        return KERAS_CLASS;
    }

    @Override
    public String namePrefix() {
        return "random_flip";
    }

    @Override
    public Shape outputShape(Shape input) {
        Layer.requireImage(this, input);
        return input;
    }

    @Override
    public <T> T call(CallContext<T> context, T input) {
        if (!context.training()) {
            return input;
        }
        Ops<T> ops = context.ops();
        Shape shape = context.inputShape();
        T flipped = input;
        if (mode != Mode.VERTICAL) {
            flipped = Augmentation.flip(ops, flipped, 2, shape.width());
        }
        if (mode != Mode.HORIZONTAL) {
            flipped = Augmentation.flip(ops, flipped, 1, shape.height());
        }
        T draw = Augmentation.perExampleUniform(context, input, 1);
        // Keras flips where draw <= 0.5, so keeps where draw > 0.5: draw >= the next float above 0.5.
        T keep = Augmentation.spread(ops, ops.greaterEqual(draw, ops.constant(Math.nextUp(0.5f))), shape);
        T flip = Augmentation.not(ops, keep);
        return Augmentation.select(ops, List.of(flip, keep), List.of(flipped, input));
    }
}
