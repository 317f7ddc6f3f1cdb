package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialTest {

    @Test
    void referenceModelHasKerasParameterCounts() {
        Sequential model = ReferenceModels.cifar10Cnn();
        assertEquals(2_264_458, model.totalParams());
        assertEquals(2_263_114, model.trainableParams());
        assertEquals(1_344, model.nonTrainableParams());
        assertEquals(30, model.layers().size());
        assertEquals(Shape.of(10), model.outputShape());
    }

    @Test
    void summaryPrintsKerasTable() {
        String summary = ReferenceModels.cifar10Cnn().summary();
        List<String> lines = summary.lines().toList();
        assertEquals("Model: \"sequential\"", lines.get(0));
        assertEquals("Layer (type)                 Output Shape              Param #   ", lines.get(2));
        assertEquals("conv2d (Conv2D)              (None, 32, 32, 32)        896       ", lines.get(4));
        assertTrue(lines.contains("max_pooling2d_1 (MaxPooling2 (None, 8, 8, 64)          0         "), summary);
        assertTrue(lines.contains("flatten (Flatten)            (None, 8192)              0         "), summary);
        assertTrue(lines.contains("dense (Dense)                (None, 256)               2097408   "), summary);
        assertTrue(lines.contains("Total params: 2,264,458"));
        assertTrue(lines.contains("Trainable params: 2,263,114"));
        assertTrue(lines.contains("Non-trainable params: 1,344"));
        lines.forEach(line -> assertTrue(line.length() <= 65, line));
    }

    @Test
    void layersGetKerasAutomaticNamesAroundUserNames() {
        Sequential model = Sequential.of(Shape.of(4),
                Dense.of(3), Dense.of(3).withName("dense_1"), Dense.of(3), Activation.of(ActivationFunction.SOFTMAX));
        assertEquals(List.of("dense", "dense_1", "dense_2", "activation"),
                model.layers().stream().map(Layer::name).toList());
        assertEquals(List.of("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "dense_2/kernel",
                "dense_2/bias"), model.weights().stream().map(ModelWeight::key).toList());
    }

    @Test
    void duplicateNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.of(4), Dense.of(3).withName("x"), Dense.of(3).withName("x")));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void shapeInferenceFollowsKerasRules() {
        Sequential model = Sequential.of(Shape.image(15, 15, 3),
                Conv2D.of(8, 3).withStrides(2, 2).withPadding(Padding.SAME),
                Conv2D.of(4, 3),
                new AveragePooling2D(null, new PoolingWindow(2, 2, 1, 1, Padding.VALID)),
                MaxPooling2D.of(2),
                Flatten.of(),
                BatchNormalization.of(),
                Dense.of(5));
        assertEquals(Shape.image(8, 8, 8), model.outputShape(0));
        assertEquals(Shape.image(6, 6, 4), model.outputShape(1));
        assertEquals(Shape.image(5, 5, 4), model.outputShape(2));
        assertEquals(Shape.image(2, 2, 4), model.outputShape(3));
        assertEquals(Shape.of(16), model.outputShape(4));
        assertEquals(4 * 16, model.params(5));
        assertEquals(16 * 5 + 5, model.params(6));
        assertEquals(3 * 3 * 3 * 8 + 8, model.params(0));
    }

    @Test
    void misfitLayersFailWithTheirName() {
        IllegalArgumentException dense = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.image(8, 8, 3), Dense.of(10)));
        assertTrue(dense.getMessage().contains("Dense 'dense'") && dense.getMessage().contains("Flatten"),
                dense.getMessage());
        IllegalArgumentException conv = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.image(2, 2, 3), Conv2D.of(4, 3)));
        assertTrue(conv.getMessage().contains("Conv2D 'conv2d'"), conv.getMessage());
    }

    @Test
    void initialWeightsAreSeededAndFollowKerasInitializers() {
        Sequential model = ReferenceModels.cifar10Cnn();
        Weights a = model.initialWeights(21);
        assertEquals(a, model.initialWeights(21));
        assertNotEquals(a.get("conv2d/kernel"), model.initialWeights(22).get("conv2d/kernel"));
        model.requireCompatible(a, "test");

        FloatTensor kernel = a.get("dense/kernel");
        double limit = Math.sqrt(6.0 / (8192 + 256));
        double max = 0;
        for (int i = 0; i < kernel.size(); i++) {
            max = Math.max(max, Math.abs(kernel.get(i)));
        }
        assertTrue(max <= limit && max > 0.99 * limit, "Glorot limit " + limit + ", max " + max);
        double convLimit = Math.sqrt(6.0 / (3 * 3 * 3 + 3 * 3 * 32));
        FloatTensor conv = a.get("conv2d/kernel");
        for (int i = 0; i < conv.size(); i++) {
            assertTrue(Math.abs(conv.get(i)) <= convLimit);
        }
        assertEquals(FloatTensor.filled(new int[] {32}, 0f), a.get("conv2d/bias"));
        assertEquals(FloatTensor.filled(new int[] {32}, 1f), a.get("batch_normalization/gamma"));
        assertEquals(FloatTensor.filled(new int[] {32}, 1f), a.get("batch_normalization/moving_variance"));
    }

    @Test
    void incompatibleWeightsAreListed() {
        Sequential model = Sequential.of(Shape.of(4), Dense.of(3));
        Weights wrong = Weights.builder()
                .put("dense/kernel", FloatTensor.filled(new int[] {3, 4}, 0))
                .put("other/bias", FloatTensor.filled(new int[] {3}, 0))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.requireCompatible(wrong, "file x"));
        assertTrue(e.getMessage().contains("file x"));
        assertTrue(e.getMessage().contains("dense/kernel has shape [3, 4], expected [4, 3]"), e.getMessage());
        assertTrue(e.getMessage().contains("missing dense/bias"));
        assertTrue(e.getMessage().contains("unexpected other/bias"));
    }

    @Test
    void shapesAndWeightsTooLargeForATensorNameTheLayer() {
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
                () -> Shape.image(65536, 65536, 3));
        assertEquals("shape (None, 65536, 65536, 3) has 12,884,901,888 values per example, more than the "
                + "2,147,483,647 a tensor can hold", input.getMessage());
        IllegalArgumentException conv = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.image(16384, 16384, 1), Conv2D.of(64, 3).withPadding(Padding.SAME)));
        assertEquals("Conv2D 'conv2d' (layer 0): shape (None, 16384, 16384, 64) has 17,179,869,184 values per "
                + "example, more than the 2,147,483,647 a tensor can hold", conv.getMessage());
        IllegalArgumentException dense = assertThrows(IllegalArgumentException.class,
                () -> Sequential.of(Shape.image(64, 64, 1), Flatten.of(), Dense.of(1 << 30)));
        assertEquals("Dense 'dense' (layer 1): weight 'kernel' [4096, 1073741824] has 4,398,046,511,104 values, more "
                + "than the 2,147,483,647 a tensor can hold", dense.getMessage());
    }

    @Test
    void samePaddingOnTheLargestInputDoesNotOverflow() {
        Sequential model = Sequential.of(Shape.of(Integer.MAX_VALUE, 1, 1),
                Conv2D.of(1, 3).withPadding(Padding.SAME).withStrides(2, 1));
        assertEquals(Shape.image(1 << 30, 1, 1), model.outputShape());
    }
}
