package org.sightline.dl4j;

import java.util.EnumSet;
import java.util.Set;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/**
 * The DeepLearning4J backend, {@code dl4j}: trains and runs models on libnd4j's operations (CPU,
 * with oneDNN), tracing the api's layers, losses and optimizers into programs of those operations;
 * see the package documentation. Found through {@link java.util.ServiceLoader}; ND4J's native library
 * is loaded by the first {@link #createEngine}, never before.
 */
public final class Dl4jBackend implements Backend {
    public static final String NAME = "dl4j";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return 50;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.TRAIN, Capability.INFER, Capability.FLAT_INPUT);
    }

    @Override
    public ModelEngine createEngine(EngineRequest request) {
        require(request.isTraining() ? Capability.TRAIN : Capability.INFER,
                (request.isTraining() ? "train" : "run") + " model '" + request.model().name() + "'");
        if (request.device().isGpu()) {
            require(Capability.GPU, "run on " + request.device());
        }
        require(request.precision());
        NativeRuntime.start();
        return new Dl4jEngine(request);
    }

    @Override
    public String toString() {
        return "Dl4jBackend[" + NAME + "]";
    }
}
