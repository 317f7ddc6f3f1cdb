package org.sightline.onnx;

/** Whether {@link OnnxClassifier} turns a model's output into probabilities. */
public enum SoftmaxMode {
    /**
     * Applies softmax to a batch's output unless every row already is a probability distribution
     * (values in [0, 1] summing to 1 within 1e-3): logits pass through softmax, probabilities do not.
     */
    AUTO,
    /** Always applies softmax: the model gives logits. */
    ALWAYS,
    /** Never applies softmax: the model gives probabilities. */
    NEVER
}
