package org.sightline.compile;

/** Loss functions by Keras name. */
public enum Loss {
    /** Cross-entropy of softmax probabilities against one-hot labels. */
    CATEGORICAL_CROSSENTROPY("categorical_crossentropy");

    private final String kerasName;

    Loss(String kerasName) {
        this.kerasName = kerasName;
    }

    public String kerasName() {
        return kerasName;
    }
}
