package org.sightline.spi;

/** What a backend can do; checked before any work starts. */
public enum Capability {
    /** Fit a model: forward, backward, optimizer step. */
    TRAIN,
    /** Run a model forward to get probabilities. */
    INFER,
    /** Run on a GPU. */
    GPU,
    /**
     * Run models whose input is not an image (a vector of features, say). A backend without it runs
     * models of NHWC image inputs only.
     */
    FLAT_INPUT,
    /**
     * Train and predict in {@link org.sightline.compile.Precision#MIXED_BFLOAT16}: bfloat16 compute, float32
     * weights and optimizer.
     */
    MIXED_BFLOAT16
}
