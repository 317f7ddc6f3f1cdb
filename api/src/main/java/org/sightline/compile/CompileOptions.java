package org.sightline.compile;

import java.util.List;
import java.util.Objects;

/**
 * What Keras's {@code model.compile(optimizer, loss, metrics)} takes.
 *
 * <pre>{@code
 * CompileOptions.of(Adam.defaults())   // categorical cross-entropy, accuracy
 * }</pre>
 */
public record CompileOptions(Optimizer optimizer, Loss loss, List<Metric> metrics) {

    public CompileOptions {
        Objects.requireNonNull(optimizer, "CompileOptions.optimizer");
        Objects.requireNonNull(loss, "CompileOptions.loss");
        metrics = List.copyOf(metrics);
    }

    /** Categorical cross-entropy and accuracy with the given optimizer, as the reference tutorial. */
    public static CompileOptions of(Optimizer optimizer) {
        return new CompileOptions(optimizer, Loss.CATEGORICAL_CROSSENTROPY, List.of(Metric.ACCURACY));
    }

    /** The reference tutorial's settings: Adam with Keras defaults. */
    public static CompileOptions reference() {
        return of(Adam.defaults());
    }
}
