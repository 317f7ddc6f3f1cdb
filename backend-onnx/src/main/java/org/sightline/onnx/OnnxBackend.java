package org.sightline.onnx;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/**
 * The ONNX Runtime backend: inference only. It exports the requested model to ONNX in memory and
 * runs it on an ONNX Runtime session; it cannot train and says so before any work starts.
 * Nothing native loads until {@link #createEngine}.
 */
public final class OnnxBackend implements Backend {
    public static final String NAME = "onnx";
    public static final int RANK = 80;

    /**
     * The CUDA provider that {@code onnxruntime_gpu} ships next to the runtime (the CPU artifact has
     * none); finding it is enough to offer GPU without loading anything.
     */
    private static final List<String> CUDA_PROVIDER_RESOURCES = List.of(
            "ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so",
            "ai/onnxruntime/native/win-x64/onnxruntime_providers_cuda.dll");

    private final Set<Capability> capabilities;

    public OnnxBackend() {
        EnumSet<Capability> found = EnumSet.of(Capability.INFER);
        ClassLoader loader = OnnxBackend.class.getClassLoader();
        if (CUDA_PROVIDER_RESOURCES.stream().anyMatch(path -> loader.getResource(path) != null)) {
            found.add(Capability.GPU);
        }
        this.capabilities = Set.copyOf(found);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public ModelEngine createEngine(EngineRequest request) {
        String model = "model '" + request.model().name() + "'";
        if (request.isTraining()) {
            require(Capability.TRAIN, "train " + model);
        }
        require(request.precision());
        if (!request.model().inputShape().isImage()) {
            require(Capability.FLAT_INPUT, "run " + model + " of input " + request.model().inputShape()
                    + " (it runs image classifiers, NHWC inputs)");
        }
        if (request.device().isGpu()) {
            require(Capability.GPU, "run " + model + " on " + request.device());
        }
        OnnxClassifier classifier = OnnxClassifier.fromModel(
                OnnxExporter.export(request.model(), request.weights(), List.of()),
                model + " (exported in memory)",
                OnnxClassifier.Options.defaults()
                        .withLayout(InputLayout.NHWC)
                        .withSoftmax(SoftmaxMode.NEVER)
                        .withDevice(request.device()));
        return new OnnxEngine(this, request, classifier);
    }

    @Override
    public String toString() {
        return "OnnxBackend" + capabilities;
    }
}
