package org.sightline.spi;

/** What a backend can do; checked before any work starts. */
public enum Capability {
    /** Fit a model: forward, backward, optimizer step. */
    TRAIN,
    /** Run a model forward to get probabilities. */
    INFER,
    /** Run on a GPU. */
    GPU
}
