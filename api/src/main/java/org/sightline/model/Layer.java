package org.sightline.model;

import java.util.List;

/**
 * One Keras layer, written once for every backend: its validated settings, its Keras config, how it
 * transforms a shape, which weights it owns, and its computation ({@link #call}) over the
 * backend-neutral {@link org.sightline.ops.Ops}. A backend implements the operations, never a layer.
 *
 * <p>Every permitted class also declares {@code public static final String KERAS_CLASS} (its Keras
 * class name) and {@code public static X fromKeras(KerasConfig config, Shape input)}, which reads its
 * Keras config in Keras 2 or Keras 3 spelling; {@link org.sightline.io.KerasJson} finds layers by
 * them, so adding a layer here is all it takes to read and write it.
 */
public sealed interface Layer
        permits Conv2D, Activation, Dropout, BatchNormalization, MaxPooling2D, AveragePooling2D, Flatten, Dense,
        GlobalAveragePooling2D, DepthwiseConv2D, SeparableConv2D, LayerNormalization, GlobalMaxPooling2D {

    /** The user's name for the layer, or null to let {@link Sequential} name it as Keras does. */
    String name();

    /** A copy of this layer with the given name. */
    Layer withName(String name);

    /** The Keras class name, e.g. {@code Conv2D}. */
    String kerasClass();

    /** The prefix of Keras's automatic names, e.g. {@code conv2d} for {@code conv2d_1}. */
    String namePrefix();

    /**
     * Writes the layer's own Keras 3 config fields, in Keras's order, after the common ones
     * ({@code name}, {@code trainable}, {@code dtype}) the writer starts with.
     */
    void kerasConfig(KerasConfig.Writer config);

    /** The output shape for one example of {@code input}; throws naming the layer if it does not fit. */
    Shape outputShape(Shape input);

    /** The layer's weights for {@code input}, in Keras order. */
    default List<WeightSpec> weights(Shape input) {
        return List.of();
    }

    /**
     * The layer applied to {@code input}, a batch of examples of {@link CallContext#inputShape()},
     * with the context's operations and weights.
     */
    <T> T call(CallContext<T> context, T input);

    static void requireImage(Layer layer, Shape input) {
        if (!input.isImage()) {
            throw new IllegalArgumentException(layer.kerasClass() + " '" + layer.name()
                    + "' needs an image input (height, width, channels), got " + input);
        }
    }
}
