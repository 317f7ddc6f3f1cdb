package org.sightline.onnx;

import static org.sightline.conformance.BackendConformanceTest.randomImages;
import static org.sightline.conformance.BackendConformanceTest.randomized;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.data.Batch;
import org.sightline.model.Dense;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.compile.CompileOptions;

class OnnxBackendTest {
    private final Sequential model = ReferenceModels.cifar10Cnn();
    private final Weights weights = randomized(model, 13).weights();

    @Test
    void isFoundByNameAndCanOnlyInfer() {
        Backend backend = Backends.get("onnx");
        assertEquals(OnnxBackend.class, backend.getClass());
        assertEquals(80, backend.rank());
        assertTrue(backend.can(Capability.INFER));
        assertFalse(backend.can(Capability.TRAIN));
    }

    @Test
    void offersNoGpuWithTheCpuRuntime() {
        assumeFalse(getClass().getClassLoader()
                .getResource("ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so") != null,
                "the GPU runtime is on the class path");
        Backend backend = new OnnxBackend();
        assertEquals(java.util.Set.of(Capability.INFER), backend.capabilities());
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> backend.createEngine(EngineRequest.inference(model, weights, Device.gpu(0))));
        assertEquals("Backend 'onnx' cannot run model 'sequential' on gpu:0: it lacks capability GPU (it has [INFER])",
                e.getMessage());
    }

    @Test
    void trainingRequestIsRejectedBeforeAnyWork() {
        EngineRequest training = EngineRequest.training(model, weights, CompileOptions.reference(), Device.cpu(), 21);
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> new OnnxBackend().createEngine(training));
        assertTrue(e.getMessage().startsWith("Backend 'onnx' cannot train model 'sequential': it lacks capability "
                + "TRAIN"), e.getMessage());
    }

    @Test
    void aModelOfFlatInputsIsRefusedBeforeAnyWork() {
        Sequential flat = Sequential.of(Shape.of(6), Dense.of(3));
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> new OnnxBackend().createEngine(EngineRequest.inference(flat, flat.initialWeights(1),
                        Device.cpu())));
        assertTrue(e.getMessage().startsWith("Backend 'onnx' cannot run model 'sequential' of input (None, 6) (it runs "
                + "image classifiers, NHWC inputs): it lacks capability FLAT_INPUT"), e.getMessage());
    }

    @Test
    void engineMatchesTheForwardPassAndRefusesToTrain() {
        float[] images = randomImages(model.inputShape(), 2, 3);
        try (ModelEngine engine = new OnnxBackend().createEngine(EngineRequest.inference(model, weights,
                Device.cpu()))) {
            float[] expected = ReferenceForwardPass.predict(model, weights, images, 2);
            assertTrue(TestModels.maxAbsDifference(expected, engine.predict(images, 2)) <= 1e-4);
            assertSame(weights, engine.weights());

            Batch batch = new Batch(2, model.inputShape(), images, new int[] {1, 4}, new float[20]);
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> engine.trainOnBatch(batch));
            assertTrue(e.getMessage().startsWith("Backend 'onnx' cannot train model 'sequential'"), e.getMessage());
            assertThrows(UnsupportedCapabilityException.class, () -> engine.setWeights(weights));
            assertThrows(UnsupportedCapabilityException.class, engine::optimizerState);
            assertThrows(UnsupportedCapabilityException.class, () -> engine.setOptimizerState(null));

            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> engine.predict(new float[3072], 2));
            assertEquals("2 images of (None, 32, 32, 3) need 6144 floats, got 3072", bad.getMessage());
        }
    }

    @Test
    void closedEngineRefusesWork() {
        ModelEngine engine = new OnnxBackend().createEngine(EngineRequest.inference(model, weights, Device.cpu()));
        engine.close();
        assertThrows(IllegalStateException.class, () -> engine.predict(new float[3072], 1));
    }

    @Test
    void eightThreadsShareOneModelAndGetSingleThreadedResults() throws Exception {
        int distinct = 16;
        float[] images = randomImages(model.inputShape(), distinct, 17);
        int size = model.inputShape().size();
        try (ModelEngine engine = new OnnxBackend().createEngine(EngineRequest.inference(model, weights,
                Device.cpu()))) {
            float[][] single = new float[distinct][];
            for (int i = 0; i < distinct; i++) {
                single[i] = engine.predict(Arrays.copyOfRange(images, i * size, (i + 1) * size), 1);
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    Callable<Integer> work = () -> {
                        for (int i = 0; i < 500; i++) {
                            int image = (thread * 7 + i) % distinct;
                            float[] got = engine.predict(Arrays.copyOfRange(images, image * size, (image + 1) * size),
                                    1);
                            assertArrayEquals(single[image], got, "thread " + thread + " prediction " + i);
                        }
                        return 500;
                    };
                    futures.add(pool.submit(work));
                }
                int done = 0;
                for (Future<Integer> future : futures) {
                    done += future.get();
                }
                assertEquals(4000, done);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
