package org.sightline.model;

import java.util.List;

/** A layer with one input, the kind a {@link Sequential} stacks: a convolution, a pooling, an activation. */
public sealed interface UnaryLayer extends Layer
        permits Conv2D, Activation, Dropout, BatchNormalization, MaxPooling2D, AveragePooling2D, Flatten, Dense,
        GlobalAveragePooling2D, ReLU, LeakyReLU, PReLU, ELU, Softmax, ZeroPadding2D, Cropping2D, Reshape, Rescaling,
        Normalization, SpatialDropout2D, RandomFlip, RandomTranslation, RandomCrop, DepthwiseConv2D, SeparableConv2D,
        LayerNormalization, GlobalMaxPooling2D {

    @Override
    UnaryLayer withName(String name);

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

    @Override
    default Shape outputShape(List<Shape> inputs) {
        return outputShape(only(inputs));
    }

    @Override
    default List<WeightSpec> weights(List<Shape> inputs) {
        return weights(only(inputs));
    }

    @Override
    default <T> T call(CallContext<T> context, List<T> inputs) {
        return call(context, only(inputs));
    }

    private <E> E only(List<E> inputs) {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(kerasClass() + " '" + name() + "' takes one input, got "
                    + inputs.size());
        }
        return inputs.get(0);
    }
}
