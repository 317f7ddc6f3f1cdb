package org.sightline.spi;

import java.util.Objects;

/**
 * A backend's native engine failed: TensorFlow, ND4J/libnd4j or ONNX Runtime reported an error
 * while building, running or closing a model. Backends throw it from their public boundary
 * ({@link Backend#createEngine}, the {@link ModelEngine} methods, the ONNX backend's classifier),
 * with the message naming the backend and what it was doing and the native exception as cause.
 * Bad arguments stay {@link IllegalArgumentException}, a closed engine {@link IllegalStateException}.
 * As DJL's {@code EngineException}, it is unchecked.
 *
 * <pre>{@code
 * try (ModelEngine engine = backend.createEngine(request)) {
 *     engine.predict(images, count);
 * } catch (EngineException e) {
 *     log.error("{} failed", e.backend(), e);
 * }
 * }</pre>
 */
public class EngineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String backend;

    /**
     * @param backend the backend's name, e.g. {@code onnx}
     * @param doing   what it was doing, e.g. {@code "loading model m.onnx on cpu"}
     * @param cause   the native library's exception
     */
    public EngineException(String backend, String doing, Throwable cause) {
        super(Objects.requireNonNull(backend, "backend") + " failed " + Objects.requireNonNull(doing, "doing")
                + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        this.backend = backend;
    }

    /** The name of the backend whose engine failed. */
    public String backend() {
        return backend;
    }
}
