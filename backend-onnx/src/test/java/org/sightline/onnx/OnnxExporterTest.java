package org.sightline.onnx;

import static org.sightline.conformance.BackendConformanceTest.randomImages;
import static org.sightline.conformance.BackendConformanceTest.randomized;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.data.PixelScaling;
import org.sightline.io.KerasJson;
import org.sightline.io.SavedModel;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;

class OnnxExporterTest {
    private static final List<String> CIFAR10 = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    private static final OnnxClassifier.Options RAW = OnnxClassifier.Options.defaults()
            .withSoftmax(SoftmaxMode.NEVER);

    @TempDir
    Path temp;

    @Test
    void samePaddingPutsTheOddPixelAtTheBottomRightAsTensorFlow() {
        // TensorFlow: pad_total = max((ceil(in/s) - 1) * s + k - in, 0), before = total / 2.
        assertArrayEquals(new int[] {0, 1}, OnnxOps.samePads(4, 2, 1));
        assertArrayEquals(new int[] {1, 1}, OnnxOps.samePads(32, 3, 1));
        assertArrayEquals(new int[] {0, 1}, OnnxOps.samePads(4, 3, 2));
        assertArrayEquals(new int[] {1, 1}, OnnxOps.samePads(5, 3, 2));
        assertArrayEquals(new int[] {1, 2}, OnnxOps.samePads(6, 4, 1));
        assertArrayEquals(new int[] {0, 0}, OnnxOps.samePads(3, 1, 1));
        assertArrayEquals(new int[] {0, 0}, OnnxOps.samePads(8, 2, 2));
    }

    @Test
    void convKernelMovesFromKerasToOnnxLayout() {
        // Keras [kh=1, kw=2, in=2, out=3]: value = 100*x + 10*i + o.
        float[] keras = new float[12];
        for (int x = 0; x < 2; x++) {
            for (int i = 0; i < 2; i++) {
                for (int o = 0; o < 3; o++) {
                    keras[(x * 2 + i) * 3 + o] = 100 * x + 10 * i + o;
                }
            }
        }
        float[] onnx = OnnxOps.convKernelToOnnx(FloatTensor.of(new int[] {1, 2, 2, 3}, keras));
        // ONNX [out=3, in=2, kh=1, kw=2].
        for (int o = 0; o < 3; o++) {
            for (int i = 0; i < 2; i++) {
                for (int x = 0; x < 2; x++) {
                    assertEquals(100 * x + 10 * i + o, onnx[(o * 2 + i) * 2 + x], "o=" + o + " i=" + i + " x=" + x);
                }
            }
        }
    }

    @Test
    void sameConvolutionMatchesAHandComputation() {
        // 3x3 image 1..9, one 2x2 all-ones kernel, 'same': pads only at the bottom and right.
        Sequential model = Sequential.of(Shape.image(3, 3, 1),
                Conv2D.of(1, 2).withPadding(Padding.SAME).withUseBias(false), Flatten.of());
        Weights weights = Weights.builder().put("conv2d/kernel", FloatTensor.filled(new int[] {2, 2, 1, 1}, 1f))
                .build();
        float[] out = run(model, weights, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertArrayEquals(new float[] {12, 16, 9, 24, 28, 15, 15, 17, 9}, out);
    }

    @Test
    void samePoolingMatchesAHandComputation() {
        float[] image = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        // Average 'same' 2x2 stride 1 excludes the padding from the count, as Keras.
        Sequential average = Sequential.of(Shape.image(3, 3, 1),
                new AveragePooling2D(null, new PoolingWindow(2, 2, 1, 1, Padding.SAME)), Flatten.of());
        assertArrayEquals(new float[] {3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9},
                run(average, Weights.builder().build(), image));
        // Max 'same' 2x2 stride 2: the odd row and column are padded after, never before.
        Sequential max = Sequential.of(Shape.image(3, 3, 1),
                new MaxPooling2D(null, new PoolingWindow(2, 2, 2, 2, Padding.SAME)), Flatten.of());
        assertArrayEquals(new float[] {5, 6, 8, 9}, run(max, Weights.builder().build(), image));
    }

    @Test
    void flattenKeepsKerasHeightWidthChannelOrder() {
        // 1x2 image with 2 channels: Keras flattens to (y0x0c0, y0x0c1, y0x1c0, y0x1c1).
        Sequential model = Sequential.of(Shape.image(1, 2, 2), Flatten.of());
        assertArrayEquals(new float[] {1, 2, 3, 4}, run(model, Weights.builder().build(), new float[] {1, 2, 3, 4}));
    }

    @Test
    void everyLayerKindMatchesTheForwardPass() {
        Sequential model = TestModels.everyLayer();
        assertMatchesForwardPass(model, randomized(model, 7).weights(), 5, 1e-5);
    }

    @Test
    void softmaxOnAnImageNormalisesOverChannels() {
        Sequential model = Sequential.builder(Shape.image(3, 2, 4))
                .add(Conv2D.of(3, 1))
                .add(Activation.of(ActivationFunction.SOFTMAX))
                .add(Flatten.of())
                .add(Dense.of(2))
                .build();
        assertMatchesForwardPass(model, randomized(model, 3).weights(), 2, 1e-5);
    }

    @Test
    void referenceModelMatchesTheForwardPassWithin1e4() {
        Sequential model = ReferenceModels.cifar10Cnn();
        float[] expected = assertMatchesForwardPass(model, randomized(model, 21).weights(), 3, 1e-4);
        // Random weights still give a non-degenerate distribution, so the comparison means something.
        assertTrue(maxValue(expected) < 0.99, "probabilities " + java.util.Arrays.toString(expected));
    }

    /** Exports, runs {@code count} random images and compares with the forward pass; returns the latter. */
    private static float[] assertMatchesForwardPass(Sequential model, Weights weights, int count, double tolerance) {
        float[] images = randomImages(model.inputShape(), count, 11);
        float[] expected = ReferenceForwardPass.predict(model, weights, images, count);
        double difference = TestModels.maxAbsDifference(expected, run(model, weights, images));
        assertTrue(difference <= tolerance, "max difference " + difference);
        return expected;
    }

    @Test
    void exportedModelDeclaresNamesShapesOpsetAndMetadata() throws Exception {
        Sequential model = ReferenceModels.cifar10Cnn();
        ModelProto proto = OnnxExporter.export(model, model.initialWeights(1), CIFAR10);

        assertEquals(13, proto.getOpsetImport(0).getVersion());
        assertEquals(1, proto.getGraph().getInputCount());
        assertEquals("input", proto.getGraph().getInput(0).getName());
        List<TensorShapeProto.Dimension> in = proto.getGraph().getInput(0).getType().getTensorType().getShape()
                .getDimList();
        assertEquals("batch", in.get(0).getDimParam());
        assertEquals(List.of(32L, 32L, 3L), in.stream().skip(1).map(TensorShapeProto.Dimension::getDimValue).toList());
        assertEquals("probabilities", proto.getGraph().getOutput(0).getName());

        Map<String, String> metadata = proto.getMetadataPropsList().stream()
                .collect(Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
        assertEquals("[\"airplane\",\"automobile\",\"bird\",\"cat\",\"deer\",\"dog\",\"frog\",\"horse\",\"ship\","
                + "\"truck\"]", metadata.get(OnnxExporter.CLASS_NAMES_KEY));
        assertEquals(1 / 255.0, Double.parseDouble(metadata.get(OnnxExporter.INPUT_SCALE_KEY)), 1e-8);
        assertEquals("NHWC", metadata.get(OnnxExporter.INPUT_LAYOUT_KEY));
        assertEquals("softmax", metadata.get(OnnxExporter.OUTPUT_ACTIVATION_KEY));
        assertEquals(model, KerasJson.modelFromJson(metadata.get(OnnxExporter.MODEL_CONFIG_KEY)));

        List<String> ops = proto.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals("Transpose", ops.get(0), "one transpose to NCHW at the input");
        assertEquals(2, ops.stream().filter("Transpose"::equals).count(), "and one back to NHWC before Flatten");
        assertFalse(ops.contains("Dropout"));
        assertEquals(4, ops.stream().filter("Conv"::equals).count());
        assertEquals(6, ops.stream().filter("BatchNormalization"::equals).count());
        assertEquals(3, ops.stream().filter("Gemm"::equals).count());
        assertEquals("Softmax", ops.get(ops.size() - 1));
        // Biases ride in their Conv and Gemm nodes: the graph is as small as a hand-written one.
        assertFalse(ops.contains("Add"));
        assertEquals(25, ops.size(), ops.toString());

        // ONNX Runtime reads back the same declaration, with a dynamic batch.
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(proto.toByteArray())) {
            NodeInfo input = session.getInputInfo().get("input");
            assertArrayEquals(new long[] {-1, 32, 32, 3}, ((TensorInfo) input.getInfo()).getShape());
            NodeInfo output = session.getOutputInfo().get("probabilities");
            assertArrayEquals(new long[] {-1, 10}, ((TensorInfo) output.getInfo()).getShape());
            assertEquals(metadata, session.getMetadata().getCustomMetadata());
        }
    }

    @Test
    void dynamicBatchGivesTheSameRowsForAnyBatchSize() {
        Sequential model = ReferenceModels.cifar10Cnn();
        Weights weights = randomized(model, 2).weights();
        float[] images = randomImages(model.inputShape(), 3, 9);
        try (OnnxClassifier onnx = OnnxClassifier.fromModel(OnnxExporter.export(model, weights, CIFAR10), "cifar",
                RAW)) {
            float[] batch = onnx.predict(images, 3);
            for (int i = 0; i < 3; i++) {
                float[] one = onnx.predict(java.util.Arrays.copyOfRange(images, i * 3072, (i + 1) * 3072), 1);
                float[] row = java.util.Arrays.copyOfRange(batch, i * 10, (i + 1) * 10);
                assertTrue(TestModels.maxAbsDifference(one, row) < 1e-6);
            }
        }
    }

    @Test
    void writeReplacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        Sequential model = ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10);
        Path file = temp.resolve("models/small.onnx");
        OnnxExporter.write(model, model.initialWeights(1), List.of(), file);
        byte[] first = Files.readAllBytes(file);
        OnnxExporter.write(model, model.initialWeights(2), List.of(), file);
        byte[] second = Files.readAllBytes(file);
        assertFalse(java.util.Arrays.equals(first, second));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList());
        }
        try (OnnxClassifier onnx = OnnxClassifier.open(file)) {
            assertEquals(List.of(-1L, 28L, 28L, 1L), java.util.Arrays.stream(onnx.inputDims()).boxed().toList());
            assertEquals("class_9", onnx.classNames().get(9));
        }
    }

    @Test
    void aSavedModelsPreprocessingIsRecordedAndReadBack() throws IOException {
        Sequential model = ReferenceModels.smallCnn(Shape.image(8, 8, 3), 2);
        PixelScaling imagenet = PixelScaling.of(1 / 127.5, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f});
        Path file = temp.resolve("normalised.onnx");
        OnnxExporter.write(SavedModel.of(model, model.initialWeights(1), List.of("cat", "dog"), imagenet), file);
        try (OnnxClassifier onnx = OnnxClassifier.open(file)) {
            assertEquals("[0.485,0.456,0.406]", onnx.metadata().get(OnnxExporter.INPUT_MEAN_KEY));
            assertEquals(Optional.of(imagenet), onnx.recordedScaling());
            assertEquals(imagenet, onnx.inputScaling());
        }
        // Sightline's own scale records no mean or std and reads back as exactly pixels / 255.
        try (OnnxClassifier onnx = OnnxClassifier.fromModel(OnnxExporter.export(model, model.initialWeights(1),
                List.of()), "plain", OnnxClassifier.Options.defaults())) {
            assertFalse(onnx.metadata().containsKey(OnnxExporter.INPUT_MEAN_KEY));
            assertEquals(Optional.of(PixelScaling.SIGHTLINE), onnx.recordedScaling());
        }
    }

    @Test
    void writeIntoAFileInsteadOfAFolderFailsWithoutTouchingIt() throws IOException {
        Path notAFolder = Files.writeString(temp.resolve("plain.txt"), "keep me");
        Sequential model = ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10);
        assertThrows(IOException.class,
                () -> OnnxExporter.write(model, model.initialWeights(1), List.of(), notAFolder.resolve("m.onnx")));
        assertEquals("keep me", Files.readString(notAFolder));
    }

    @Test
    void weightsThatDoNotFitAreRejectedByName() {
        Sequential model = ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10);
        Weights wrong = ReferenceModels.smallCnn(Shape.image(28, 28, 3), 10).initialWeights(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.export(model, wrong, List.of()));
        assertTrue(e.getMessage().contains("conv2d/kernel has shape [3, 3, 3, 16], expected [3, 3, 1, 16]"),
                e.getMessage());
    }

    @Test
    void classNamesMustMatchTheOutputs() {
        Sequential model = ReferenceModels.smallCnn(Shape.image(28, 28, 1), 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.export(model, model.initialWeights(1), List.of("cat", "dog")));
        assertTrue(e.getMessage().contains("10 outputs but 2 class names"), e.getMessage());
    }

    private static float[] run(Sequential model, Weights weights, float[] image) {
        try (OnnxClassifier onnx = OnnxClassifier.fromModel(OnnxExporter.export(model, weights, List.of()), "test",
                RAW.withLayout(InputLayout.NHWC))) {
            return onnx.predict(image, image.length / model.inputShape().size());
        }
    }

    private static double maxValue(float[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
