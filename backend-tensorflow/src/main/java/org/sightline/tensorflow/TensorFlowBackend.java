package org.sightline.tensorflow;

import java.util.EnumSet;
import java.util.Set;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/**
 * Sightline on TensorFlow Java: trains and runs any {@link org.sightline.model.Network} (Sequential or Functional) as one
 * TensorFlow graph. Found through {@link java.util.ServiceLoader} as {@code tensorflow}; creating it
 * loads nothing native, {@link #createEngine} does.
 *
 * <p>Declares {@link Capability#GPU} only when TensorFlow's GPU natives (Maven profile {@code -Pgpu})
 * are on the class path. Set {@code TF_ENABLE_ONEDNN_OPTS=1} in the environment for the fast CPU
 * kernels.
 */
public final class TensorFlowBackend implements Backend {
    public static final String NAME = "tensorflow";

    private final Set<Capability> capabilities;

    public TensorFlowBackend() {
        EnumSet<Capability> can = EnumSet.of(Capability.TRAIN, Capability.INFER, Capability.FLAT_INPUT,
                Capability.MIXED_BFLOAT16);
        if (TensorFlowNatives.gpuPresent(TensorFlowBackend.class.getClassLoader())) {
            can.add(Capability.GPU);
        }
        this.capabilities = Set.copyOf(can);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return 100;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public ModelEngine createEngine(EngineRequest request) {
        require(Capability.INFER, "run a model");
        if (request.isTraining()) {
            require(Capability.TRAIN, "train a model");
        }
        if (request.device().isGpu()) {
            require(Capability.GPU, "run on " + request.device() + " (its GPU natives, tensorflow-core-native "
                    + "classifier " + TensorFlowNatives.gpuClassifier() + ", are not on the class path: build with "
                    + "the Maven profile -Pgpu)");
        }
        return TensorFlowEngine.create(request);
    }
}
