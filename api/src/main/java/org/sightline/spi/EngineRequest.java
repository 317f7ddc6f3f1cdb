package org.sightline.spi;

import java.util.Objects;
import java.util.Optional;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * What a backend needs to build a {@link ModelEngine}: the model, its starting weights, the training
 * setup (empty for inference only), the device, the seed of its random ops (dropout) and the precision
 * it computes in (a training setup's own).
 */
public record EngineRequest(Network model, Weights weights, Optional<CompileOptions> training, Device device,
        long seed, Precision precision) {

    public EngineRequest {
        Objects.requireNonNull(model, "EngineRequest.model");
        Objects.requireNonNull(weights, "EngineRequest.weights");
        Objects.requireNonNull(training, "EngineRequest.training");
        Objects.requireNonNull(device, "EngineRequest.device");
        Objects.requireNonNull(precision, "EngineRequest.precision");
        model.requireCompatible(weights, "the engine request");
        if (training.isPresent() && training.get().precision() != precision) {
            throw new IllegalArgumentException("EngineRequest.precision " + precision + " differs from the training "
                    + "options' " + training.get().precision());
        }
    }

    public static EngineRequest inference(Network model, Weights weights, Device device) {
        return inference(model, weights, device, Precision.FLOAT32);
    }

    public static EngineRequest inference(Network model, Weights weights, Device device, Precision precision) {
        return new EngineRequest(model, weights, Optional.empty(), device, 0, precision);
    }

    public static EngineRequest training(Network model, Weights weights, CompileOptions options, Device device,
            long seed) {
        return new EngineRequest(model, weights, Optional.of(options), device, seed, options.precision());
    }

    public boolean isTraining() {
        return training.isPresent();
    }
}
