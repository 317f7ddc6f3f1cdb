package org.sightline.spi;

import java.util.Objects;
import java.util.Optional;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import org.sightline.compile.CompileOptions;

/**
 * What a backend needs to build a {@link ModelEngine}: the model, its starting weights, the training
 * setup (empty for inference only), the device and the seed of its random ops (dropout).
 */
public record EngineRequest(Network model, Weights weights, Optional<CompileOptions> training, Device device,
        long seed) {

    public EngineRequest {
        Objects.requireNonNull(model, "EngineRequest.model");
        Objects.requireNonNull(weights, "EngineRequest.weights");
        Objects.requireNonNull(training, "EngineRequest.training");
        Objects.requireNonNull(device, "EngineRequest.device");
        model.requireCompatible(weights, "the engine request");
    }

    public static EngineRequest inference(Network model, Weights weights, Device device) {
        return new EngineRequest(model, weights, Optional.empty(), device, 0);
    }

    public static EngineRequest training(Network model, Weights weights, CompileOptions options, Device device,
            long seed) {
        return new EngineRequest(model, weights, Optional.of(options), device, seed);
    }

    public boolean isTraining() {
        return training.isPresent();
    }
}
