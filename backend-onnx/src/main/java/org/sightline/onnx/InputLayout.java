package org.sightline.onnx;

/**
 * How an ONNX image model orders the axes of its input. Sightline's images are always NHWC (as
 * Keras); {@link OnnxClassifier} converts when a model wants NCHW.
 */
public enum InputLayout {
    /** {@code [batch, height, width, channels]}: Keras, TensorFlow and Sightline's exports. */
    NHWC,
    /** {@code [batch, channels, height, width]}: PyTorch and most ONNX model zoos. */
    NCHW
}
