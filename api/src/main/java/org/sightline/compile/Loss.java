package org.sightline.compile;

import org.sightline.model.ModelOutput;
import org.sightline.ops.Ops;

/**
 * Keras's cross-entropy losses, written once over {@link Ops}. Labels reach the loss one-hot whatever
 * the spelling: {@code sparse_categorical_crossentropy} differs from {@code categorical_crossentropy}
 * only in how Keras users give labels, and both give the same value here.
 *
 * <p>With {@code fromLogits} the model's output is taken as logits. Otherwise it is taken as
 * probabilities, except that when the model ends with a softmax the loss is computed from the logits
 * before it, as Keras does: exact where probabilities round to 0 or 1.
 *
 * @param sparse     whether this is Keras's sparse spelling
 * @param fromLogits whether the model outputs logits rather than probabilities
 */
public record Loss(boolean sparse, boolean fromLogits) {

    /** Cross-entropy of softmax probabilities against one-hot labels. */
    public static final Loss CATEGORICAL_CROSSENTROPY = new Loss(false, false);
    /** The same loss, spelled for integer labels. */
    public static final Loss SPARSE_CATEGORICAL_CROSSENTROPY = new Loss(true, false);

    /** The loss Keras calls {@code name}; throws naming the losses known. */
    public static Loss fromKeras(String name, boolean fromLogits) {
        return switch (name) {
            case "categorical_crossentropy", "CategoricalCrossentropy" -> new Loss(false, fromLogits);
            case "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy" -> new Loss(true, fromLogits);
            default -> throw new IllegalArgumentException("Unknown loss '" + name
                    + "', expected categorical_crossentropy or sparse_categorical_crossentropy");
        };
    }

    public String kerasName() {
        return sparse ? "sparse_categorical_crossentropy" : "categorical_crossentropy";
    }

    public Loss withFromLogits(boolean newFromLogits) {
        return new Loss(sparse, newFromLogits);
    }

    /** The mean loss over the batch, a scalar, for one-hot {@code labels} {@code [batch, classes]}. */
    public <T> T compute(Ops<T> ops, T labels, ModelOutput<T> output) {
        int[] classAxis = {1};
        T logits = fromLogits ? output.output() : output.logits().orElse(null);
        T perExample;
        if (logits != null) {
            perExample = ops.negative(ops.sum(ops.multiply(labels, ops.logSoftmax(logits)), classAxis, false));
        } else {
            // Keras: renormalise, then clip away from 0 and 1 before the log.
            T p = ops.divide(output.output(), ops.sum(output.output(), classAxis, true));
            p = ops.minimum(ops.maximum(p, ops.constant(Ops.EPSILON)), ops.constant(1 - Ops.EPSILON));
            perExample = ops.negative(ops.sum(ops.multiply(labels, ops.log(p)), classAxis, false));
        }
        return ops.mean(perExample, new int[] {0}, false);
    }
}
