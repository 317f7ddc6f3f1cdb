package org.sightline.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds backends on the class path with {@link ServiceLoader}. The default is the highest-ranked
 * backend, unless the system property {@value #PROPERTY} or the environment variable {@value #ENV}
 * names one.
 *
 * <pre>{@code
 * Backend tf = Backends.get("tensorflow");
 * Backend any = Backends.defaultBackend(Capability.TRAIN);
 * }</pre>
 */
public final class Backends {
    public static final String PROPERTY = "sightline.backend";
    public static final String ENV = "SIGHTLINE_BACKEND";

    private Backends() {
    }

    /** All backends found, highest rank first. */
    public static List<Backend> available() {
        List<Backend> found = new ArrayList<>();
        ServiceLoader.load(Backend.class).forEach(found::add);
        found.sort(Comparator.comparingInt(Backend::rank).reversed().thenComparing(Backend::name));
        return found;
    }

    /** The backend called {@code name}; the error lists those available. */
    public static Backend get(String name) {
        List<Backend> all = available();
        return all.stream().filter(b -> b.name().equalsIgnoreCase(name.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown backend '" + name + "'; available: "
                        + (all.isEmpty() ? "none (add a sightline-backend-* artifact to the class path)"
                                : all.stream().map(Backend::name).collect(Collectors.joining(", ")))));
    }

    /**
     * The backend to use when none is named: the configured one if set, else the highest-ranked with
     * {@code capability}.
     */
    public static Backend defaultBackend(Capability capability) {
        return defaultBackend(capability, System::getProperty, System::getenv);
    }

    static Backend defaultBackend(Capability capability, Function<String, String> properties,
            Function<String, String> environment) {
        Optional<String> configured = Optional.ofNullable(properties.apply(PROPERTY))
                .or(() -> Optional.ofNullable(environment.apply(ENV)))
                .filter(s -> !s.isBlank());
        if (configured.isPresent()) {
            Backend backend = get(configured.get());
            backend.require(capability, "serve as the configured default");
            return backend;
        }
        return available().stream().filter(b -> b.can(capability)).findFirst()
                .orElseThrow(() -> new IllegalStateException("No backend with capability " + capability
                        + " on the class path; available: "
                        + available().stream().map(Backend::name).collect(Collectors.joining(", "))));
    }
}
