package org.sightline.spi;

import java.util.Set;
import org.sightline.compile.Precision;

/**
 * A pluggable execution engine, found through {@link java.util.ServiceLoader}. Implementations must
 * be cheap to instantiate: no native library is loaded before {@link #createEngine} is called.
 * Register one in {@code META-INF/services/org.sightline.spi.Backend}.
 */
public interface Backend {

    /** The short name users select it by: {@code tensorflow}, {@code dl4j}, {@code onnx}. */
    String name();

    /** Higher ranks are preferred when no backend is named. */
    int rank();

    /** What it can do. */
    Set<Capability> capabilities();

    /**
     * Builds an engine for {@code request}; may start the native runtime on first use. Backends check
     * their capabilities against the request and throw {@link UnsupportedCapabilityException} first.
     */
    ModelEngine createEngine(EngineRequest request);

    /**
     * The layers this backend cannot run, by Keras class name ({@code "Conv2D"}, {@code "Dropout"}, as
     * {@code Layer.kerasClass()}), as Keras's per-backend exclusion lists: {@link #createEngine} refuses a
     * model holding one with an exception whose message names it, and the conformance kit skips
     * these layers after checking that refusal. Any other layer must pass the kit. Empty by default.
     */
    default Set<String> unsupportedLayers() {
        return Set.of();
    }

    default boolean can(Capability capability) {
        return capabilities().contains(capability);
    }

    /** Throws unless this backend computes in {@code precision}; every backend computes in float32. */
    default void require(Precision precision) {
        if (precision == Precision.MIXED_BFLOAT16) {
            require(Capability.MIXED_BFLOAT16, "compute in " + precision);
        }
    }

    /** Throws unless this backend has {@code capability}; call before starting any work. */
    default void require(Capability capability, String forWhat) {
        if (!can(capability)) {
            throw new UnsupportedCapabilityException(this, capability, forWhat);
        }
    }
}
