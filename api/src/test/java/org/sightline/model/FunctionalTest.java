package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.io.KerasJson;

class FunctionalTest {

    /** input -> conv -> conv_1 -> add(conv, conv_1) -> global pooling -> dense: a residual block. */
    private static Functional residual() {
        SymbolicTensor input = Functional.input(Shape.image(6, 6, 2));
        SymbolicTensor x = Conv2D.of(4, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU)
                .apply(input);
        SymbolicTensor y = Conv2D.of(4, 3).withPadding(Padding.SAME).apply(x);
        SymbolicTensor sum = Add.of(y, x);
        SymbolicTensor output = Dense.of(3).withActivation(ActivationFunction.SOFTMAX)
                .apply(GlobalAveragePooling2D.of().apply(sum));
        return Functional.of("residual", input, output);
    }

    @Test
    void namesLayersAsKerasAndOrdersThemByDepth() {
        Functional model = residual();
        assertEquals("input_layer", model.input().name());
        assertEquals(List.of("conv2d", "conv2d_1", "add", "global_average_pooling2d", "dense"),
                model.layers().stream().map(Layer::name).toList());
        assertEquals(List.of("conv2d_1", "conv2d"), model.nodes().get(2).inbound());
        assertEquals("dense", model.output());
        assertEquals(Shape.of(3), model.outputShape());
        // conv 3*3*2*4 + 4 = 76, conv_1 3*3*4*4 + 4 = 148, dense 4*3 + 3 = 15.
        assertEquals(239, model.totalParams());
        assertEquals(List.of("conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias", "dense/kernel",
                "dense/bias"), model.weights().stream().map(ModelWeight::key).toList());
    }

    @Test
    void computesTheSumOfItsBranches() {
        SymbolicTensor input = Functional.input(Shape.image(3, 3, 2));
        Conv2D conv = Conv2D.of(2, 3).withPadding(Padding.SAME).withName("conv");
        Functional model = Functional.of("skip", input, Add.of(conv.apply(input), input));
        Sequential convOnly = Sequential.of(Shape.image(3, 3, 2), conv);
        Weights weights = convOnly.initialWeights(3);
        float[] images = new float[2 * 18];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        float[] convolved = ReferenceForwardPass.predict(convOnly, weights, images, 2);
        float[] expected = new float[images.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = convolved[i] + images[i];
        }
        assertArrayEquals(expected, ReferenceForwardPass.predict(model, weights, images, 2), 1e-5f);
    }

    @Test
    void printsKerasSummaryWithConnections() {
        String expected = """
                Model: "residual"
                __________________________________________________________________________________________________
                Layer (type)                    Output Shape         Param #     Connected to                     
                ==================================================================================================
                input_layer (InputLayer)        [(None, 6, 6, 2)]    0                                            
                __________________________________________________________________________________________________
                conv2d (Conv2D)                 (None, 6, 6, 4)      76          input_layer[0][0]                
                __________________________________________________________________________________________________
                conv2d_1 (Conv2D)               (None, 6, 6, 4)      148         conv2d[0][0]                     
                __________________________________________________________________________________________________
                add (Add)                       (None, 6, 6, 4)      0           conv2d_1[0][0]                   
                                                                                 conv2d[0][0]                     
                __________________________________________________________________________________________________
                global_average_pooling2d (Globa (None, 4)            0           add[0][0]                        
                __________________________________________________________________________________________________
                dense (Dense)                   (None, 3)            15          global_average_pooling2d[0][0]   
                ==================================================================================================
                Total params: 239
                Trainable params: 239
                Non-trainable params: 0
                __________________________________________________________________________________________________
                """;
        String summary = residual().summary();
        // Keras pads every row to 98 columns; the text block above drops trailing spaces.
        assertEquals(expected, summary.lines().map(String::stripTrailing).map(l -> l + "\n")
                .collect(java.util.stream.Collectors.joining()));
        summary.lines().skip(1).forEach(line -> assertTrue(line.length() == 98 || line.startsWith("Total")
                || line.contains("params:"), line));
    }

    @Test
    void roundTripsThroughKerasJson() {
        Functional model = residual();
        String json = KerasJson.toJson(model);
        assertTrue(json.contains("\"keras_history\":[\"conv2d_1\",0,0]"), json);
        assertEquals(model, KerasJson.modelFromJson(json));
    }

    @Test
    void refusesASharedLayerAnInputOfAnotherModelAndALayerLeadingNowhere() {
        SymbolicTensor input = Functional.input(Shape.image(4, 4, 1));
        Conv2D shared = Conv2D.of(1, 1).withName("shared");
        SymbolicTensor twice = shared.apply(shared.apply(input));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.of(input, twice));
        assertTrue(e.getMessage().contains("'shared' is applied twice"), e.getMessage());

        SymbolicTensor other = Functional.input("other", Shape.image(4, 4, 1));
        e = assertThrows(IllegalArgumentException.class, () -> Functional.of(input, Add.of(input, other)));
        assertTrue(e.getMessage().contains("Input 'other'"), e.getMessage());

        InputLayer in = new InputLayer("in", Shape.of(3));
        List<Functional.Node> nodes = List.of(new Functional.Node(Dense.of(2).withName("a"), List.of("in")),
                new Functional.Node(Dense.of(2).withName("b"), List.of("in")));
        e = assertThrows(IllegalArgumentException.class, () -> Functional.of("m", in, nodes, "b"));
        assertTrue(e.getMessage().contains("layer 'a' does not lead to the output 'b'"), e.getMessage());
    }

    @Test
    void refusesInputsOfDifferentShapesNamingTheMergeLayer() {
        SymbolicTensor input = Functional.input(Shape.image(4, 4, 1));
        SymbolicTensor wider = Conv2D.of(2, 1).apply(input);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Add("sum").apply(input, wider));
        assertTrue(e.getMessage().contains("Add 'sum' needs inputs of one shape"), e.getMessage());
    }

    @Test
    void concatenatesAlongChannels() {
        SymbolicTensor input = Functional.input(Shape.image(4, 4, 1));
        SymbolicTensor joined = Concatenate.of(Conv2D.of(2, 1).apply(input), Conv2D.of(3, 1).apply(input));
        assertEquals(Shape.image(4, 4, 5), joined.shape());
        assertEquals(Shape.image(8, 4, 1), new Concatenate(null, 1).apply(input, input).shape());
    }

    @Test
    void resNet20HasTheLayersAndParametersOfKerasResNet20Example() throws Exception {
        Functional ours = ReferenceModels.resnet20(Shape.image(32, 32, 3), 10);
        assertEquals(274_442, ours.totalParams());
        assertEquals(1_376, ours.nonTrainableParams());
        // Keras's own ResNet-20 v1, written by Keras 2.2.4.
        Functional theirs = (Functional) KerasJson.modelFromJson(java.nio.file.Path.of(FunctionalTest.class
                .getResource("/keras/functional/keras2.2-resnet20v1-cifar10.json").toURI()));
        assertEquals(theirs.layers().size(), ours.layers().size());
        for (int i = 0; i < ours.layers().size(); i++) {
            assertEquals(theirs.layers().get(i).kerasClass(), ours.layers().get(i).kerasClass(), "layer " + i);
            assertEquals(theirs.outputShape(i), ours.outputShape(i), "layer " + i);
            assertEquals(theirs.params(i), ours.params(i), "layer " + i);
        }
    }

    @Test
    void augmentedResNet20PutsTheRandomLayersFirstAndAddsNoParameters() {
        Functional augmented = ReferenceModels.resnet20Augmented(Shape.image(32, 32, 3), 10);
        assertEquals(new RandomFlip("random_flip", RandomFlip.Mode.HORIZONTAL), augmented.layers().get(0));
        assertEquals(RandomTranslation.of(0.125, 0.125).withName("random_translation"), augmented.layers().get(1));
        assertEquals(List.of("random_flip"), augmented.nodes().get(1).inbound());
        assertEquals(List.of("random_translation"), augmented.nodes().get(2).inbound());
        assertEquals(274_442, augmented.totalParams());
    }

    @Test
    void mobileNetCountsItsDepthwiseSeparableBlocksAsWorkedOutByHand() {
        Functional model = ReferenceModels.mobileNet(Shape.image(32, 32, 3), 10);
        // Convolutions 864 + 2,336 + 8,768 + 17,536 + 33,920 + 67,840 + 133,376 = 264,640 (depthwise 3*3*c
        // plus pointwise c*c'), batch norms 4 per channel = 8,960 (half of them moving statistics), dense
        // 512*10 + 10 = 5,130.
        assertEquals(278_730, model.totalParams());
        assertEquals(4_480, model.nonTrainableParams());
        assertEquals(Shape.image(4, 4, 512), model.outputShape(model.layers().size() - 3));
        assertEquals(model, KerasJson.modelFromJson(KerasJson.toJson(model)));
    }
}
