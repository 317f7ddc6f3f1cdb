package org.sightline.compile;

import java.util.List;
import java.util.Objects;

/**
 * What Keras's {@code model.compile(optimizer, loss, metrics)} takes, and the precision the model
 * computes in (Keras sets that as a global dtype policy; here it belongs to the compiled model).
 *
 * <pre>{@code
 * CompileOptions.of(Adam.defaults())   // categorical cross-entropy, accuracy, float32
 * CompileOptions.of(Adam.defaults()).withPrecision(Precision.MIXED_BFLOAT16)
 * }</pre>
 */
public record CompileOptions(Optimizer optimizer, Loss loss, List<Metric> metrics, Precision precision) {

    public CompileOptions {
        Objects.requireNonNull(optimizer, "CompileOptions.optimizer");
        Objects.requireNonNull(loss, "CompileOptions.loss");
        metrics = List.copyOf(metrics);
        Objects.requireNonNull(precision, "CompileOptions.precision");
    }

    /** Float32 options. */
    public CompileOptions(Optimizer optimizer, Loss loss, List<Metric> metrics) {
        this(optimizer, loss, metrics, Precision.FLOAT32);
    }

    /** Categorical cross-entropy and accuracy with the given optimizer, as the reference tutorial. */
    public static CompileOptions of(Optimizer optimizer) {
        return new CompileOptions(optimizer, Loss.CATEGORICAL_CROSSENTROPY, List.of(Metric.ACCURACY));
    }

    /** The reference tutorial's settings: Adam with Keras defaults. */
    public static CompileOptions reference() {
        return of(Adam.defaults());
    }

    public CompileOptions withPrecision(Precision newPrecision) {
        return new CompileOptions(optimizer, loss, metrics, newPrecision);
    }
}
