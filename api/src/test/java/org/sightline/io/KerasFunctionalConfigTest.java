package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.sightline.model.Conv2D;
import org.sightline.model.Functional;
import org.sightline.model.Network;
import org.sightline.model.Regularizer;
import org.sightline.model.Shape;

/**
 * Real model configs written by Keras 2.2 to 3.1 (sources and how the expected counts were taken from
 * the stored weights: {@code src/test/resources/keras/functional/README.md}): each reads, counts the
 * parameters its weight file holds, and writes back to a config that reads as the same model.
 */
class KerasFunctionalConfigTest {
    private static final String TFJS_VGG16 = "tfjs3.19-keras2.3-vgg16-transfer-model.json";

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("keras2.2-resnet20v1-cifar10.json", Shape.image(32, 32, 3), 10, 274_442L, 1_376L),
                Arguments.of("keras2.3-resnet-maxpool.json", Shape.image(128, 128, 3), 3, 274_691L, 3_136L),
                Arguments.of("keras2.10-resnet-relu-gap-softmax.json", Shape.image(32, 32, 3), 10, 47_594L, 0L),
                Arguments.of("keras2.13-resnet-relu-avgpool.json", Shape.image(32, 32, 3), 10, 227_722L, 896L),
                Arguments.of("keras3.1-resnet-nested-rescaling.json", null, 0, 207_790L, 384L),
                Arguments.of("keras3.1-legacy-h5-resnet.json", null, 0, 207_790L, 384L),
                Arguments.of("keras2.10-sequential-relu-softmax.json", null, 0, 22_282L, 0L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void readsCountsAsTheWeightFileAndRoundTrips(String file, Shape input, int classes, long total, long frozen)
            throws Exception {
        Network model = KerasJson.modelFromJson(resource(file));
        assertEquals(total, model.totalParams());
        assertEquals(frozen, model.nonTrainableParams());
        if (input != null) {
            assertEquals(input, model.inputShape());
            assertEquals(classes, model.numClasses());
        }
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void kerasMobileNetCountsAsKerasDocumentsIt() throws Exception {
        Functional model = (Functional) KerasJson.modelFromJson(resource("keras2.2-mobilenet-1.0-224.json"));
        assertEquals(Shape.image(224, 224, 3), model.inputShape());
        assertEquals(1000, model.numClasses());
        assertEquals(4_253_864, model.totalParams());
        // The moving statistics of 27 batch norms over 32 (stem) + 4,960 (depthwise) + 5,952 (pointwise) channels.
        assertEquals(2 * 10_944, model.nonTrainableParams());
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }

    @Test
    void aTensorFlowJsModelJsonIsReadFromItsModelTopologyWithItsFrozenBase() throws Exception {
        Functional model = (Functional) KerasJson.modelFromJson(resource(TFJS_VGG16));
        assertEquals(Shape.image(224, 224, 3), model.inputShape());
        assertEquals(8, model.numClasses());
        // VGG16's convolutions 14,714,688 + dense 25,088 * 2,048 + 2,048 + 2,048 * 256 + 256 + 256 * 8 + 8.
        assertEquals(66_623_560, model.totalParams());
        // Transfer learning: the 13 convolutions and 5 poolings of the VGG16 base are frozen (trainable: false).
        assertEquals(18, model.frozenLayers().size());
        assertTrue(model.frozenLayers().containsAll(List.of("block1_conv1", "block5_pool")));
        assertEquals(14_714_688, model.nonTrainableParams());
        assertTrue(model.summary().contains("Trainable params: 51,908,872"), model.summary());
        Network again = KerasJson.modelFromJson(KerasJson.toJson(model));
        assertEquals(model, again);
        assertEquals(model.frozenLayers(), again.frozenLayers());
    }

    @Test
    void aNestedSequentialJoinsTheGraph() throws Exception {
        Functional model = (Functional) KerasJson.modelFromJson(resource("keras3.1-resnet-nested-rescaling.json"));
        assertEquals("rescaling", model.layers().get(0).name());
        assertEquals("input_layer", model.nodes().get(0).inbound().get(0));
    }

    @Test
    void everyConvolutionOfKerasResNet20HasItsL2Regularizer() throws Exception {
        Functional model = (Functional) KerasJson.modelFromJson(resource("keras2.2-resnet20v1-cifar10.json"));
        // Keras 2.2 wrote L1L2(l1=0, l2=1e-4), the factor as float32.
        Regularizer l2 = Regularizer.l2(9.999999747378752e-05);
        List<Conv2D> convolutions = model.layers().stream().filter(Conv2D.class::isInstance).map(Conv2D.class::cast)
                .toList();
        assertEquals(21, convolutions.size());
        for (Conv2D conv : convolutions) {
            assertEquals(l2, conv.kernelRegularizer(), conv.name());
            assertEquals(Regularizer.none(), conv.biasRegularizer(), conv.name());
        }
        assertEquals(21, model.weights().stream().filter(w -> !w.spec().regularizer().isNone()).count());
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(KerasFunctionalConfigTest.class.getResource("/keras/functional/" + name).toURI());
    }
}
