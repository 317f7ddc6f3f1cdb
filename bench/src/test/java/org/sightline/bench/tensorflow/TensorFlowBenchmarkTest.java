package org.sightline.bench.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sightline.bench.BenchmarkResult;
import org.sightline.compile.Precision;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/** The benchmark's pieces; the benchmark itself runs outside the test suite. */
class TensorFlowBenchmarkTest {

    @ParameterizedTest
    @EnumSource(PlainCifarGraph.Network.class)
    void thePlainGraphIsTheSameModelAsTheTranslatedOne(PlainCifarGraph.Network network) {
        Network model = network == PlainCifarGraph.Network.RESNET20
                ? ReferenceModels.resnet20(Shape.image(32, 32, 3), 10) : ReferenceModels.cifar10Cnn();
        Weights weights = randomWeights(model, 3);
        float[] images = random(new SplittableRandom(4), 4 * 32 * 32 * 3);
        try (ModelEngine engine = Backends.get(TensorFlowBenchmark.BACKEND)
                .createEngine(EngineRequest.inference(model, weights, Device.cpu()));
                PlainCifarGraph plain = new PlainCifarGraph(network, weights, 1, Device.cpu())) {
            assertArrayEquals(plain.predict(images, 4), engine.predict(images, 4), 1e-4f);
            float loss = plain.trainStep(images, new float[40], 4);
            assertTrue(Float.isFinite(loss), "plain training step loss " + loss);
        }
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, TensorFlowBenchmark.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, TensorFlowBenchmark.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void readsThisProcesssCpuTime() {
        long before = org.sightline.bench.ProcessCpu.nanos();
        double sink = 0;
        for (int i = 0; i < 20_000_000; i++) {
            sink += Math.sqrt(i);
        }
        assertTrue(sink > 0 && org.sightline.bench.ProcessCpu.nanos() > before, "CPU time should advance with work");
    }

    @Test
    void readsResidentMemory() {
        assertTrue(TensorFlowBenchmark.residentMb() > 0);
    }

    @Test
    void reportGivesRatiosAndMemoryGrowth() {
        TensorFlowBenchmark.Result result = new TensorFlowBenchmark.Result(REFERENCE, RESNET,
                List.of(700L, 705L, 710L), 300, 310, 2000, true, Precision.FLOAT32);
        assertEquals(0.95, result.referenceCnn().trainingRatio(), 1e-9);
        assertEquals(0.9375, result.referenceCnn().inferenceRatio(), 1e-9);
        String report = result.report();
        assertTrue(report.contains("backend 180.0 ms   plain TF 171.0 ms   ratio 0.950 (all threads"), report);
        assertTrue(report.contains("ResNet-20 (CIFAR-10)") && report.contains("backend 50.0 ms   plain TF 45.0 ms   "
                + "ratio 0.900"), report);
        assertTrue(report.contains("ratio 0.950") && report.contains("ratio 0.938")
                && report.contains("700 MB before, 710 MB after 2000 more training steps (+10 MB)"), report);
        assertTrue(report.contains("latency, batch 1:         backend 1.500 ms  plain TF 2.500 ms  ratio 1.667"), report);
    }

    private static final TensorFlowBenchmark.Timing REFERENCE = new TensorFlowBenchmark.Timing(100, 95, 3000, 3200,
            1.5, 2.5, 180, 171);
    private static final TensorFlowBenchmark.Timing RESNET = new TensorFlowBenchmark.Timing(50, 45, 6000, 6600, 3.0,
            3.3, 90, 80);

    @Test
    void neutralResultCarriesBothFiguresAgainstThePlainGraph() {
        TensorFlowBenchmark.Result result = new TensorFlowBenchmark.Result(REFERENCE, RESNET,
                List.of(700L, 705L), 300, 310, 2000, true, Precision.FLOAT32);
        BenchmarkResult neutral = result.toBenchmarkResult();
        assertEquals("tensorflow", neutral.backend());
        assertEquals(List.of(
                BenchmarkResult.Figure.against("training step, batch 64", "ms", 100, "plain TF graph", 95)
                        .withFlops(64 * 216_276_480.0),
                BenchmarkResult.Figure.against("inference, batch 256", "img/s", 3000, "plain TF graph", 3200)
                        .withFlops(72_092_160),
                BenchmarkResult.Figure.against("latency, batch 1", "ms", 1.5, "plain TF graph", 2.5)
                        .withFlops(72_092_160),
                BenchmarkResult.Figure.against("ResNet-20 training step, batch 64", "ms", 50, "plain TF graph", 45)
                        .withFlops(64 * 3 * 81_626_368.0),
                BenchmarkResult.Figure.against("ResNet-20 inference, batch 256", "img/s", 6000, "plain TF graph",
                        6600).withFlops(81_626_368)),
                neutral.figures(), "the work of each figure is its network's (NetworkFlopsTest)");
        assertEquals(result.report(), neutral.report());
    }

    @Test
    void mixedPrecisionNamesThePlainGraphsFloat32() {
        TensorFlowBenchmark.Result result = new TensorFlowBenchmark.Result(REFERENCE, RESNET,
                List.of(700L, 705L), 300, 310, 2000, true, Precision.MIXED_BFLOAT16);
        assertTrue(result.toBenchmarkResult().figures().stream()
                .allMatch(f -> f.baseline().equals("plain TF graph, float32")), result.toBenchmarkResult().toString());
        assertTrue(result.report().startsWith("backend computing in mixed_bfloat16, the plain TF graph in float32"),
                result.report());
    }

    @Test
    void foundByServiceLoaderUnderTheBackendsName() {
        assertTrue(org.sightline.bench.BackendBenchmark.all().stream()
                .anyMatch(b -> b instanceof TensorFlowBenchmark && b.name().equals("tensorflow")));
        assertEquals("tensorflow", Backends.get(new TensorFlowBenchmark().name()).name());
    }

    @Test
    void settingsRejectNonsense() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorFlowBenchmark.Settings(0, 0, 1, 0, Device.cpu(), Precision.FLOAT32));
        assertTrue(e.getMessage().contains("rounds >= 1"), e.getMessage());
    }

    /** Weights drawn uniformly from [-1, 1), with moving variances in [0.5, 1.5) so that they stay positive. */
    private static Weights randomWeights(Network model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Weights.Builder builder = Weights.builder();
        for (ModelWeight weight : model.weights()) {
            float[] values = random(random, (int) weight.spec().size());
            if (weight.spec().name().equals("moving_variance")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = 1 + 0.5f * values[i];
                }
            }
            builder.put(weight.key(), FloatTensor.of(weight.spec().shape(), values));
        }
        return builder.build();
    }

    private static float[] random(SplittableRandom random, int size) {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return out;
    }
}
