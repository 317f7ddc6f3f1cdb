package org.sightline.model;

import java.util.List;

/**
 * One Keras layer, written once for every backend: its validated settings, its Keras config, how it
 * transforms shapes, which weights it owns, and its computation ({@link #call}) over the
 * backend-neutral {@link org.sightline.ops.Ops}. A backend implements the operations, never a layer.
 * Most layers take one input ({@link UnaryLayer}); merge layers such as {@link Add} take several
 * ({@link MergeLayer}).
 *
 * <p>Every concrete layer class also declares {@code public static final String KERAS_CLASS} (its
 * Keras class name) and {@code public static X fromKeras(KerasConfig config, Shape input)}, which
 * reads its Keras config in Keras 2 or Keras 3 spelling ({@code input} is the first input's shape);
 * {@link org.sightline.io.KerasJson} finds layers by them through the sealed permits lists, so adding
 * a layer there is all it takes to read and write it.
 */
public sealed interface Layer permits UnaryLayer, MergeLayer {

    /** The user's name for the layer, or null to let the model name it as Keras does. */
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

    /** The output shape for one example of each input; throws naming the layer if they do not fit. */
    Shape outputShape(List<Shape> inputs);

    /** The layer's weights for {@code inputs}, in Keras order. */
    List<WeightSpec> weights(List<Shape> inputs);

    /**
     * The layer applied to {@code inputs}, batches of examples of {@link CallContext#inputShapes()},
     * with the context's operations and weights.
     */
    <T> T call(CallContext<T> context, List<T> inputs);

    /**
     * This layer applied to symbolic tensors, as Keras's functional API {@code layer(x)}: the result
     * is the input of further layers and, at the end, an output of a {@link Functional} model. The
     * shapes are checked now, so a misfit fails here naming the layer.
     */
    default SymbolicTensor apply(SymbolicTensor... inputs) {
        return SymbolicTensor.of(this, List.of(inputs));
    }

    static void requireImage(Layer layer, Shape input) {
        if (!input.isImage()) {
            throw new IllegalArgumentException(layer.kerasClass() + " '" + layer.name()
                    + "' needs an image input (height, width, channels), got " + input);
        }
    }
}
