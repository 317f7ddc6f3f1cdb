package org.sightline.spi;

/** A backend was asked for something it cannot do, e.g. to train on an inference-only backend. */
public final class UnsupportedCapabilityException extends IllegalStateException {

    public UnsupportedCapabilityException(Backend backend, Capability capability, String forWhat) {
        super("Backend '" + backend.name() + "' cannot " + forWhat + ": it lacks capability " + capability
                + " (it has " + backend.capabilities() + ")");
    }
}
