package org.sightline.dl4j;

import org.sightline.model.Shape;

/**
 * How image activations are laid out inside the network. Keras's (and the api's) layout is NHWC; the
 * network may run NCHW instead, converting at its edges, without any change to the weights.
 */
enum ImageLayout {
    /** Channels first: {@code [batch, channels, height, width]}. */
    NCHW,
    /** Channels last, as Keras: {@code [batch, height, width, channels]}. */
    NHWC;

    int channelAxis() {
        return this == NCHW ? 1 : 3;
    }

    /** The axes batch normalization averages over: all but the channels. */
    int[] batchNormAxes() {
        return this == NCHW ? new int[] {0, 2, 3} : new int[] {0, 1, 2};
    }

    /** The shape of one example inside the network. */
    long[] exampleShape(Shape shape) {
        if (shape.isImage() && this == NCHW) {
            return new long[] {shape.channels(), shape.height(), shape.width()};
        }
        long[] dims = new long[shape.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.dim(i);
        }
        return dims;
    }
}
