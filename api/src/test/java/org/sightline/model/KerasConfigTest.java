package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each layer's Keras config, read in Keras 2 and Keras 3 spelling and written back, and the typed
 * reader's errors.
 */
class KerasConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String K3_DTYPE = "\"dtype\": {\"module\": \"keras\", \"class_name\": \"DTypePolicy\", "
            + "\"config\": {\"name\": \"float32\"}, \"registered_name\": null}";
    private static final String K3_GLOROT = "{\"module\": \"keras.initializers\", \"class_name\": \"GlorotUniform\", "
            + "\"config\": {\"seed\": null}, \"registered_name\": null}";
    private static final String K3_ZEROS = "{\"module\": \"keras.initializers\", \"class_name\": \"Zeros\", "
            + "\"config\": {}, \"registered_name\": null}";
    /** 1e-4 as Keras 2 wrote it: the float32 value, printed as a double. */
    private static final double K2_1E_4 = 9.999999747378752e-05;
    private static final Shape IMAGE = Shape.image(8, 8, 3);
    private static final Shape FLAT = Shape.of(12);

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One layer: what it is, its input, and the same config as Keras 2 and Keras 3 write it. */
    record Case(Layer layer, Shape input, String keras2, String keras3) {
        @Override
        public String toString() {
            return layer.kerasClass();
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(new Conv2D("conv", 8, 3, 2, 2, 1, Padding.SAME, ActivationFunction.RELU, false,
                        new MaxNorm(3, new int[] {0, 1, 2})).withKernelRegularizer(Regularizer.l2(K2_1E_4))
                        .withBiasRegularizer(Regularizer.l1(0.01)), IMAGE,
                        // Keras 2.0: dtype string, VarianceScaling for Glorot, no module, max_norm by its alias,
                        // L1L2 for every regularizer (its factors float32 values, as Keras 2 wrote them).
                        "{\"name\": \"conv\", \"trainable\": true, \"dtype\": \"float32\", \"filters\": 8, "
                                + "\"kernel_size\": [3, 2], \"strides\": [2, 1], \"padding\": \"same\", "
                                + "\"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], "
                                + "\"activation\": \"relu\", \"use_bias\": false, \"kernel_initializer\": "
                                + "{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 1.0, "
                                + "\"mode\": \"fan_avg\", \"distribution\": \"uniform\", \"seed\": null}}, "
                                + "\"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                                + "\"kernel_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, "
                                + "\"l2\": 9.999999747378752e-05}}, \"bias_regularizer\": {\"class_name\": \"L1L2\", "
                                + "\"config\": {\"l1\": 0.01, \"l2\": 0.0}}, "
                                + "\"activity_regularizer\": null, \"kernel_constraint\": {\"class_name\": "
                                + "\"max_norm\", \"config\": {\"max_value\": 3, \"axis\": [0, 1, 2]}}, "
                                + "\"bias_constraint\": null}",
                        "{\"name\": \"conv\", \"trainable\": true, " + K3_DTYPE + ", \"filters\": 8, "
                                + "\"kernel_size\": [3, 2], \"strides\": [2, 1], \"padding\": \"same\", "
                                + "\"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], \"groups\": 1, "
                                + "\"activation\": \"relu\", \"use_bias\": false, \"kernel_initializer\": "
                                + K3_GLOROT + ", \"bias_initializer\": " + K3_ZEROS + ", \"kernel_regularizer\": "
                                + "{\"module\": \"keras.regularizers\", \"class_name\": \"L2\", \"config\": {\"l2\": "
                                + "9.999999747378752e-05}, \"registered_name\": null}, \"bias_regularizer\": "
                                + "{\"module\": \"keras.regularizers\", \"class_name\": \"L1\", \"config\": {\"l1\": "
                                + "0.01}, \"registered_name\": null}, \"activity_regularizer\": null, "
                                + "\"kernel_constraint\": {\"module\": \"keras.constraints\", \"class_name\": "
                                + "\"MaxNorm\", \"config\": {\"max_value\": 3.0, \"axis\": [0, 1, 2]}, "
                                + "\"registered_name\": null}, \"bias_constraint\": null}"),
                new Case(new Dense("out", 5, ActivationFunction.SOFTMAX, true, MaxNorm.of(2))
                        .withKernelRegularizer(Regularizer.l2(0.001)).withBiasRegularizer(new Regularizer(0.002, 0.003)),
                        FLAT,
                        // tf.keras 2: L2 and L1L2 without module.
                        "{\"name\": \"out\", \"trainable\": true, \"units\": 5, \"activation\": \"softmax\", "
                                + "\"use_bias\": true, \"kernel_initializer\": {\"class_name\": \"GlorotUniform\", "
                                + "\"config\": {\"seed\": null}}, \"kernel_regularizer\": {\"class_name\": \"L2\", "
                                + "\"config\": {\"l2\": 0.001}}, \"bias_regularizer\": {\"class_name\": \"L1L2\", "
                                + "\"config\": {\"l1\": 0.002, \"l2\": 0.003}}, \"kernel_constraint\": \"maxnorm\"}",
                        "{\"name\": \"out\", \"trainable\": true, " + K3_DTYPE + ", \"units\": 5, "
                                + "\"activation\": \"softmax\", \"use_bias\": true, \"kernel_initializer\": "
                                + K3_GLOROT + ", \"bias_initializer\": " + K3_ZEROS + ", \"kernel_regularizer\": "
                                + "{\"module\": \"keras.regularizers\", \"class_name\": \"L2\", \"config\": {\"l2\": "
                                + "0.001}, \"registered_name\": null}, \"bias_regularizer\": {\"module\": "
                                + "\"keras.regularizers\", \"class_name\": \"L1L2\", \"config\": {\"l1\": 0.002, "
                                + "\"l2\": 0.003}, \"registered_name\": null}, \"kernel_constraint\": {\"module\": "
                                + "\"keras.constraints\", \"class_name\": \"MaxNorm\", \"config\": {\"max_value\": "
                                + "2.0, \"axis\": 0}, \"registered_name\": null}, \"bias_constraint\": null, "
                                + "\"quantization_config\": null}"),
                new Case(new Activation("act", ActivationFunction.TANH), IMAGE,
                        "{\"name\": \"act\", \"trainable\": true, \"activation\": \"tanh\"}",
                        // Keras 3 may write an activation function as a serialized function object.
                        "{\"name\": \"act\", \"trainable\": true, " + K3_DTYPE + ", \"activation\": {\"module\": "
                                + "\"keras.activations\", \"class_name\": \"function\", \"config\": \"tanh\", "
                                + "\"registered_name\": \"function\"}}"),
                new Case(new Dropout("drop", 0.25), FLAT,
                        "{\"name\": \"drop\", \"trainable\": true, \"rate\": 0.25, \"noise_shape\": null, "
                                + "\"seed\": null}",
                        "{\"name\": \"drop\", \"trainable\": true, " + K3_DTYPE + ", \"rate\": 0.25, "
                                + "\"seed\": 1337, \"noise_shape\": null}"),
                new Case(new BatchNormalization("bn", 0.9, 1e-5), IMAGE,
                        // Keras 2 counted the batch axis: the channel axis of an image is 3.
                        "{\"name\": \"bn\", \"trainable\": true, \"axis\": [3], \"momentum\": 0.9, "
                                + "\"epsilon\": 1e-05, \"center\": true, \"scale\": true, \"beta_initializer\": "
                                + "{\"class_name\": \"Zeros\", \"config\": {}}, \"gamma_initializer\": "
                                + "{\"class_name\": \"Ones\", \"config\": {}}, \"moving_mean_initializer\": "
                                + "{\"class_name\": \"Zeros\", \"config\": {}}, \"moving_variance_initializer\": "
                                + "{\"class_name\": \"Ones\", \"config\": {}}, \"beta_regularizer\": null, "
                                + "\"gamma_regularizer\": null, \"beta_constraint\": null, \"gamma_constraint\": null}",
                        "{\"name\": \"bn\", \"trainable\": true, " + K3_DTYPE + ", \"axis\": -1, "
                                + "\"momentum\": 0.9, \"epsilon\": 1e-05, \"center\": true, \"scale\": true, "
                                + "\"beta_initializer\": " + K3_ZEROS + ", \"synchronized\": false}"),
                new Case(new MaxPooling2D("pool", new PoolingWindow(3, 3, 3, 3, Padding.VALID)), IMAGE,
                        // Keras 2 users often gave one int; strides default to the pool size.
                        "{\"name\": \"pool\", \"trainable\": true, \"pool_size\": 3, \"padding\": \"valid\", "
                                + "\"strides\": null, \"data_format\": \"channels_last\"}",
                        "{\"name\": \"pool\", \"trainable\": true, " + K3_DTYPE + ", \"pool_size\": [3, 3], "
                                + "\"padding\": \"valid\", \"strides\": [3, 3], \"data_format\": \"channels_last\"}"),
                new Case(new AveragePooling2D("avg", new PoolingWindow(2, 3, 1, 2, Padding.SAME)), IMAGE,
                        "{\"name\": \"avg\", \"trainable\": true, \"pool_size\": [2, 3], \"padding\": \"SAME\", "
                                + "\"strides\": [1, 2]}",
                        "{\"name\": \"avg\", \"trainable\": true, " + K3_DTYPE + ", \"pool_size\": [2, 3], "
                                + "\"padding\": \"same\", \"strides\": [1, 2], \"data_format\": \"channels_last\"}"),
                new Case(new Flatten("flat"), IMAGE,
                        "{\"name\": \"flat\", \"trainable\": true, \"data_format\": \"channels_last\"}",
                        "{\"name\": \"flat\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"data_format\": \"channels_last\"}"),
                new Case(new GlobalAveragePooling2D("gap", false), IMAGE,
                        // Keras before 2.6 had no keepdims.
                        "{\"name\": \"gap\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"data_format\": \"channels_last\"}",
                        "{\"name\": \"gap\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"data_format\": \"channels_last\", \"keepdims\": false}"),
                new Case(new ReLU("relu", 6.0, 0.1, 0.5), IMAGE,
                        "{\"name\": \"relu\", \"trainable\": true, \"dtype\": \"float32\", \"max_value\": 6.0, "
                                + "\"negative_slope\": 0.1, \"threshold\": 0.5}",
                        "{\"name\": \"relu\", \"trainable\": true, " + K3_DTYPE + ", \"max_value\": 6.0, "
                                + "\"negative_slope\": 0.1, \"threshold\": 0.5}"),
                new Case(new LeakyReLU("leaky", 0.2), FLAT,
                        // Keras 2 called the slope alpha.
                        "{\"name\": \"leaky\", \"trainable\": true, \"dtype\": \"float32\", \"alpha\": 0.2}",
                        "{\"name\": \"leaky\", \"trainable\": true, " + K3_DTYPE + ", \"negative_slope\": 0.2}"),
                new Case(new PReLU("prelu", List.of(1, 2)), IMAGE,
                        "{\"name\": \"prelu\", \"trainable\": true, \"dtype\": \"float32\", \"alpha_initializer\": "
                                + "{\"class_name\": \"Zeros\", \"config\": {}}, \"alpha_regularizer\": null, "
                                + "\"alpha_constraint\": null, \"shared_axes\": [1, 2]}",
                        "{\"name\": \"prelu\", \"trainable\": true, " + K3_DTYPE + ", \"alpha_initializer\": "
                                + K3_ZEROS + ", \"alpha_regularizer\": null, \"alpha_constraint\": null, "
                                + "\"shared_axes\": [1, 2]}"),
                new Case(new ELU("elu", 1), FLAT,
                        "{\"name\": \"elu\", \"trainable\": true, \"dtype\": \"float32\", \"alpha\": 1.0}",
                        // Keras 3's ELU writes no alpha.
                        "{\"name\": \"elu\", \"trainable\": true, " + K3_DTYPE + "}"),
                new Case(new Softmax("probabilities"), FLAT,
                        "{\"name\": \"probabilities\", \"trainable\": true, \"dtype\": \"float32\", \"axis\": -1}",
                        "{\"name\": \"probabilities\", \"trainable\": true, " + K3_DTYPE + ", \"axis\": -1}"),
                merge(new Add("add")), merge(new Subtract("subtract")), merge(new Multiply("multiply")),
                merge(new Average("average")), merge(new Maximum("maximum")), merge(new Minimum("minimum")),
                new Case(new Concatenate("concat", 3), IMAGE,
                        "{\"name\": \"concat\", \"trainable\": true, \"dtype\": \"float32\", \"axis\": 3}",
                        "{\"name\": \"concat\", \"trainable\": true, " + K3_DTYPE + ", \"axis\": 3}"),
                new Case(new ZeroPadding2D("pad", 1, 2, 3, 3), IMAGE,
                        // Keras 2 users wrote (rows, columns) pairs as well; Keras writes the nested form.
                        "{\"name\": \"pad\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"padding\": [[1, 2], [3, 3]], \"data_format\": \"channels_last\"}",
                        "{\"name\": \"pad\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"padding\": [[1, 2], [3, 3]], \"data_format\": \"channels_last\"}"),
                new Case(new Cropping2D("crop", 2, 2, 1, 1), IMAGE,
                        "{\"name\": \"crop\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"cropping\": [2, 1], \"data_format\": \"channels_last\"}",
                        "{\"name\": \"crop\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"cropping\": [[2, 2], [1, 1]], \"data_format\": \"channels_last\"}"),
                new Case(new Reshape("shape", List.of(-1, 3)), IMAGE,
                        "{\"name\": \"shape\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"target_shape\": [-1, 3]}",
                        "{\"name\": \"shape\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"target_shape\": [-1, 3]}"),
                new Case(new Rescaling("scale", List.of(0.5, 0.25, 2.0), List.of(-1.0)), IMAGE,
                        // Keras 2 knew numbers only: this one is the same per channel.
                        "{\"name\": \"scale\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"scale\": [0.5, 0.25, 2.0], \"offset\": -1.0}",
                        "{\"name\": \"scale\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"scale\": [0.5, 0.25, 2.0], \"offset\": -1.0}"),
                new Case(new Normalization("norm", null, null), IMAGE,
                        // Keras 2 counted the batch axis and wrote the adapted statistics nowhere.
                        "{\"name\": \"norm\", \"trainable\": true, \"dtype\": \"float32\", \"axis\": [3], "
                                + "\"mean\": null, \"variance\": null}",
                        "{\"name\": \"norm\", \"trainable\": true, " + K3_DTYPE + ", \"axis\": [-1], "
                                + "\"invert\": false, \"mean\": null, \"variance\": null}"),
                new Case(new SpatialDropout2D("sdrop", 0.2), IMAGE,
                        "{\"name\": \"sdrop\", \"trainable\": true, \"dtype\": \"float32\", \"rate\": 0.2, "
                                + "\"noise_shape\": null, \"seed\": null, \"data_format\": \"channels_last\"}",
                        // Keras 3 writes its dtype as a plain string here, and no trainable.
                        "{\"rate\": 0.2, \"seed\": 42, \"name\": \"sdrop\", \"dtype\": \"float32\", "
                                + "\"data_format\": \"channels_last\"}"),
                new Case(new RandomFlip("flip", RandomFlip.Mode.HORIZONTAL), IMAGE,
                        "{\"name\": \"flip\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"mode\": \"horizontal\", \"seed\": null}",
                        "{\"name\": \"flip\", \"trainable\": true, " + K3_DTYPE + ", \"seed\": 7, "
                                + "\"mode\": \"horizontal\", \"data_format\": \"channels_last\"}"),
                new Case(new RandomTranslation("shift", -0.1, 0.2, -0.15, 0.15, 0), IMAGE,
                        "{\"name\": \"shift\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"height_factor\": [0.2, -0.1], \"width_factor\": 0.15, "
                                + "\"fill_mode\": \"constant\", \"fill_value\": 0.0, "
                                + "\"interpolation\": \"nearest\", \"seed\": null}",
                        "{\"name\": \"shift\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"height_factor\": [-0.1, 0.2], \"width_factor\": -0.15, "
                                + "\"fill_mode\": \"constant\", \"interpolation\": \"nearest\", \"seed\": null, "
                                + "\"fill_value\": 0.0, \"data_format\": \"channels_last\"}"),
                new Case(new RandomCrop("rcrop", 6, 5), IMAGE,
                        "{\"name\": \"rcrop\", \"trainable\": true, \"dtype\": \"float32\", \"height\": 6, "
                                + "\"width\": 5, \"seed\": null}",
                        "{\"name\": \"rcrop\", \"trainable\": true, " + K3_DTYPE + ", \"height\": 6, "
                                + "\"width\": 5, \"seed\": 1234, \"data_format\": \"channels_last\"}"),
                new Case(new DepthwiseConv2D("dw", 3, 3, 1, 1, 2, 2, 2, Padding.SAME, ActivationFunction.RELU, true,
                        Constraint.none()), IMAGE,
                        // Keras 2's DepthwiseConv2D extended Conv2D and kept its groups.
                        "{\"name\": \"dw\", \"trainable\": true, \"dtype\": \"float32\", \"kernel_size\": [3, 3], "
                                + "\"strides\": [1, 1], \"padding\": \"same\", \"data_format\": \"channels_last\", "
                                + "\"dilation_rate\": [2, 2], \"groups\": 1, \"activation\": \"relu\", "
                                + "\"use_bias\": true, \"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                                + "\"bias_regularizer\": null, \"activity_regularizer\": null, \"bias_constraint\": null, "
                                + "\"depth_multiplier\": 2, \"depthwise_initializer\": {\"class_name\": \"GlorotUniform\", "
                                + "\"config\": {\"seed\": null}}, \"depthwise_regularizer\": null, "
                                + "\"depthwise_constraint\": null}",
                        "{\"name\": \"dw\", \"trainable\": true, " + K3_DTYPE + ", \"depth_multiplier\": 2, "
                                + "\"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"same\", "
                                + "\"data_format\": \"channels_last\", \"dilation_rate\": [2, 2], "
                                + "\"activation\": \"relu\", \"use_bias\": true, \"depthwise_initializer\": " + K3_GLOROT
                                + ", \"bias_initializer\": " + K3_ZEROS + ", \"depthwise_regularizer\": null, "
                                + "\"bias_regularizer\": null, \"activity_regularizer\": null, "
                                + "\"depthwise_constraint\": null, \"bias_constraint\": null}"),
                new Case(new SeparableConv2D("sep", 16, 3, 3, 2, 2, 1, 1, 1, Padding.VALID, ActivationFunction.LINEAR,
                        false, Constraint.none(), new MaxNorm(2, new int[] {0, 1, 2})), IMAGE,
                        // Keras 2's SeparableConv2D also wrote Conv2D's groups and unused kernel_* fields.
                        "{\"name\": \"sep\", \"trainable\": true, \"dtype\": \"float32\", \"filters\": 16, "
                                + "\"kernel_size\": [3, 3], \"strides\": [2, 2], \"padding\": \"valid\", "
                                + "\"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], \"groups\": 1, "
                                + "\"activation\": \"linear\", \"use_bias\": false, \"kernel_initializer\": "
                                + "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}}, "
                                + "\"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                                + "\"kernel_regularizer\": null, \"bias_regularizer\": null, "
                                + "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null, "
                                + "\"depth_multiplier\": 1, \"depthwise_initializer\": {\"class_name\": "
                                + "\"GlorotUniform\", \"config\": {\"seed\": null}}, \"pointwise_initializer\": "
                                + "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}}, "
                                + "\"depthwise_regularizer\": null, \"pointwise_regularizer\": null, "
                                + "\"depthwise_constraint\": null, \"pointwise_constraint\": {\"class_name\": "
                                + "\"MaxNorm\", \"config\": {\"max_value\": 2, \"axis\": [0, 1, 2]}}}",
                        "{\"name\": \"sep\", \"trainable\": true, " + K3_DTYPE + ", \"depth_multiplier\": 1, "
                                + "\"filters\": 16, \"kernel_size\": [3, 3], \"strides\": [2, 2], "
                                + "\"padding\": \"valid\", \"data_format\": \"channels_last\", "
                                + "\"dilation_rate\": [1, 1], \"activation\": \"linear\", \"use_bias\": false, "
                                + "\"depthwise_initializer\": " + K3_GLOROT + ", \"pointwise_initializer\": " + K3_GLOROT
                                + ", \"bias_initializer\": " + K3_ZEROS + ", \"depthwise_regularizer\": null, "
                                + "\"pointwise_regularizer\": null, \"bias_regularizer\": null, "
                                + "\"activity_regularizer\": null, \"depthwise_constraint\": null, "
                                + "\"pointwise_constraint\": {\"module\": \"keras.constraints\", \"class_name\": "
                                + "\"MaxNorm\", \"config\": {\"max_value\": 2.0, \"axis\": [0, 1, 2]}, "
                                + "\"registered_name\": null}, \"bias_constraint\": null}"),
                new Case(new LayerNormalization("ln", 3, 1e-6, true, false), IMAGE,
                        // Keras 2 wrote the axes counting the batch axis, from the start.
                        "{\"name\": \"ln\", \"trainable\": true, \"dtype\": \"float32\", \"axis\": [1, 2, 3], "
                                + "\"epsilon\": 1e-06, \"center\": true, \"scale\": false, \"beta_initializer\": "
                                + "{\"class_name\": \"Zeros\", \"config\": {}}, \"gamma_initializer\": "
                                + "{\"class_name\": \"Ones\", \"config\": {}}, \"beta_regularizer\": null, "
                                + "\"gamma_regularizer\": null, \"beta_constraint\": null, \"gamma_constraint\": null}",
                        "{\"name\": \"ln\", \"trainable\": true, " + K3_DTYPE + ", \"axis\": [-3, -2, -1], "
                                + "\"epsilon\": 1e-06, \"center\": true, \"scale\": false, \"rms_scaling\": false, "
                                + "\"beta_initializer\": " + K3_ZEROS + ", \"gamma_initializer\": {\"module\": "
                                + "\"keras.initializers\", \"class_name\": \"Ones\", \"config\": {}, "
                                + "\"registered_name\": null}, \"beta_regularizer\": null, \"gamma_regularizer\": "
                                + "null, \"beta_constraint\": null, \"gamma_constraint\": null}"),
                new Case(new GlobalMaxPooling2D("gmp", true), IMAGE,
                        "{\"name\": \"gmp\", \"trainable\": true, \"dtype\": \"float32\", "
                                + "\"data_format\": \"channels_last\", \"keepdims\": true}",
                        "{\"name\": \"gmp\", \"trainable\": true, " + K3_DTYPE + ", "
                                + "\"data_format\": \"channels_last\", \"keepdims\": true}"));
    }

    /** A merge layer without settings: Keras 2 and 3 write only the common fields. */
    private static Case merge(Layer layer) {
        String name = layer.name();
        return new Case(layer, IMAGE, "{\"name\": \"" + name + "\", \"trainable\": true, \"dtype\": \"float32\"}",
                "{\"name\": \"" + name + "\", \"trainable\": true, " + K3_DTYPE + "}");
    }

    /** What KerasJson does for one layer: the common fields, the class's fromKeras, the leftovers check. */
    private static Layer read(Class<? extends Layer> type, ObjectNode config, Shape input) {
        KerasConfig reader = KerasConfig.layer("test.json: layer 'x'", config);
        Layer layer;
        try {
            layer = (Layer) type.getMethod("fromKeras", KerasConfig.class, Shape.class).invoke(null, reader, input);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw (RuntimeException) e.getCause();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        reader.rejectUnknown();
        return layer;
    }

    private static ObjectNode written(Layer layer) {
        KerasConfig.Writer writer = new KerasConfig.Writer(layer.name());
        layer.kerasConfig(writer);
        return writer.config();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void readsTheKeras2Spelling(Case c) {
        assertEquals(c.layer(), read(c.layer().getClass(), object(c.keras2()), c.input()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void readsTheKeras3Spelling(Case c) {
        assertEquals(c.layer(), read(c.layer().getClass(), object(c.keras3()), c.input()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void writesWhatItReadsBack(Case c) {
        ObjectNode config = written(c.layer());
        assertEquals(c.layer().name(), config.get("name").asText());
        assertEquals("float32", config.get("dtype").get("config").get("name").asText());
        assertEquals(c.layer(), read(c.layer().getClass(), config.deepCopy(), c.input()));
    }

    @Test
    void everyPermittedLayerClassHasACase() {
        assertEquals(List.of(Layer.class.getPermittedSubclasses()).stream()
                .flatMap(kind -> List.of(kind.getPermittedSubclasses()).stream()).map(Class::getSimpleName).sorted()
                .toList(), cases().map(c -> c.layer().getClass().getSimpleName()).sorted().toList());
    }

    @Test
    void keras3WritesTheInputShapeOfLayersWhoseBuildRuns() {
        assertTrue(new KerasConfig.Writer("x").recordInputShape().recordsInputShape());
        for (Case c : cases().toList()) {
            KerasConfig.Writer writer = new KerasConfig.Writer(c.layer().name());
            c.layer().kerasConfig(writer);
            boolean built = c.layer() instanceof Conv2D || c.layer() instanceof Dense
                    || c.layer() instanceof BatchNormalization || c.layer() instanceof Flatten
                    || c.layer() instanceof PReLU || c.layer() instanceof MergeLayer
                    || c.layer() instanceof Normalization || c.layer() instanceof DepthwiseConv2D
                    || c.layer() instanceof SeparableConv2D || c.layer() instanceof LayerNormalization;
            assertEquals(built, writer.recordsInputShape(), c.toString());
        }
    }

    private static IllegalArgumentException refused(Function<KerasConfig, ?> read, String json, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> read.apply(KerasConfig.layer("model.json: layer 3 'x' (Test)", object(json))));
        assertEquals("model.json: layer 3 'x' (Test): " + message, e.getMessage());
        return e;
    }

    @Test
    void aWrongFieldTypeNamesTheFieldAndValue() {
        refused(c -> c.integer("filters", null), "{\"filters\": \"32\"}", "filters must be an integer, got \"32\"");
        refused(c -> c.integer("filters", null), "{\"filters\": 3.5}", "filters must be an integer, got 3.5");
        refused(c -> c.integer("units", null), "{}", "missing required setting 'units'");
        refused(c -> c.number("rate", null), "{\"rate\": true}", "rate must be a number, got true");
        refused(c -> c.bool("use_bias", true), "{\"use_bias\": 1}", "use_bias must be true or false, got 1");
        refused(c -> c.string("padding", "valid"), "{\"padding\": 1}", "padding must be a string, got 1");
        refused(c -> c.pair("kernel_size", null), "{\"kernel_size\": [3, 3, 3]}",
                "kernel_size must be an integer or a pair of integers, got [3,3,3]");
        refused(c -> c.pair("strides", null), "{\"strides\": [1, \"2\"]}",
                "strides must be an integer or a pair of integers, got [1,\"2\"]");
        refused(c -> c.longInteger("decay_steps", null), "{\"decay_steps\": 1.5}",
                "decay_steps must be an integer, got 1.5");
        refused(c -> c.activation(false), "{\"activation\": \"mish\"}",
                "activation: Unknown activation 'mish', expected one of linear, relu, sigmoid, tanh, softmax, relu6, "
                        + "elu, selu, gelu, silu, hard_sigmoid, softplus, softsign (or swish)");
        refused(c -> c.activation(true), "{}", "missing required setting 'activation'");
        refused(c -> c.constraint("kernel_constraint", 2), "{\"kernel_constraint\": {\"class_name\": \"NonNeg\"}}",
                "kernel_constraint NonNeg is not supported; Sightline supports MaxNorm");
        refused(c -> c.constraint("kernel_constraint", 2),
                "{\"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"axis\": [0, \"1\"]}}}",
                "kernel_constraint MaxNorm axis must be an integer or a list of integers, got [0,\"1\"]");
        refused(c -> c.constraint("kernel_constraint", 2),
                "{\"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"max_value\": -1}}}",
                "kernel_constraint: MaxNorm.max_value must be a finite number > 0, got -1.0");
        refused(KerasConfig::padding, "{\"padding\": \"causal\"}",
                "Unknown padding 'causal', expected 'valid' or 'same'");
    }

    @Test
    void aLayerFieldOfTheWrongTypeNamesTheLayerAndField() {
        String json = "{\"name\": \"x\", \"units\": [10]}";
        refused(c -> Dense.fromKeras(c, FLAT), json, "units must be an integer, got [10]");
        // Validation in a layer's constructor is prefixed with where the config came from.
        refused(c -> c.build(() -> Dense.fromKeras(c, FLAT)), "{\"name\": \"x\", \"units\": 0}",
                "Dense.units must be > 0, got 0");
    }

    @Test
    void commonLayerFieldsAreChecked() {
        assertFalse(KerasConfig.layer("w", object("{\"name\": \"x\", \"trainable\": false}")).trainable());
        assertTrue(KerasConfig.layer("w", object("{\"name\": \"x\"}")).trainable());
        refused(c -> c, "{\"dtype\": \"float64\"}", "dtype policy 'float64' is not supported; Sightline computes in "
                + "float32");
        assertEquals("x", KerasConfig.layer("w", object("{\"name\": \"x\"}")).name());
    }

    @Test
    void fieldsNotReadMustBeOff() {
        KerasConfig config = KerasConfig.of("w", object("{\"a\": null, \"b\": false, \"c\": [], \"d\": {}, "
                + "\"e\": 1}"));
        assertEquals("w: unsupported setting e = 1",
                assertThrows(IllegalArgumentException.class, config::rejectUnknown).getMessage());
        config.take("e");
        config.rejectUnknown();
        assertTrue(KerasConfig.isOff(null));
        assertFalse(KerasConfig.isOff(object("{\"x\": 0}").get("x")));
    }

    @Test
    void inputShapesInBothSpellings() {
        assertEquals(IMAGE, KerasConfig.layer("w", object("{\"batch_shape\": [null, 8, 8, 3]}")).inputLayerShape());
        assertEquals(IMAGE, KerasConfig.layer("w", object("{\"batch_input_shape\": [null, 8, 8, 3]}"))
                .inputLayerShape());
        assertEquals("w: needs batch_shape (Keras 3) or batch_input_shape (Keras 2)",
                assertThrows(IllegalArgumentException.class,
                        () -> KerasConfig.layer("w", object("{}")).inputLayerShape()).getMessage());
        assertEquals("[null,8,8,3]", KerasConfig.batchShape(IMAGE).toString());
        assertEquals("w: input shape [null,8,\"8\",3] has an invalid dimension \"8\"",
                assertThrows(IllegalArgumentException.class, () -> KerasConfig.layer("w",
                        object("{\"batch_shape\": [null, 8, \"8\", 3]}")).inputLayerShape()).getMessage());
    }

    @Test
    void nestedConfigsNameTheirPath() {
        KerasConfig optimizer = KerasConfig.of("ckpt: Adam", object("{\"learning_rate\": {\"config\": 3}}"));
        assertEquals("ckpt: Adam: learning_rate ExponentialDecay needs a config object, got 3",
                assertThrows(IllegalArgumentException.class, () -> optimizer.nested("learning_rate ExponentialDecay",
                        optimizer.take("learning_rate").get("config"))).getMessage());
        KerasConfig inner = KerasConfig.of("ckpt: Adam", object("{\"s\": {\"decay_steps\": \"x\"}}"))
                .nested("learning_rate s", object("{\"decay_steps\": \"x\"}"));
        assertEquals("ckpt: Adam: learning_rate s: decay_steps must be an integer, got \"x\"",
                assertThrows(IllegalArgumentException.class, () -> inner.longInteger("decay_steps", null))
                        .getMessage());
    }

    @Test
    void writerSpellsObjectsAsKeras3() {
        KerasConfig.Writer writer = new KerasConfig.Writer("d").initializer("k", Initializer.GLOROT_UNIFORM)
                .constraint("c", Constraint.none()).constraint("m", new MaxNorm(2, new int[] {0, 1}));
        assertEquals("{\"name\":\"d\",\"trainable\":true,\"dtype\":{\"module\":\"keras\",\"class_name\":"
                + "\"DTypePolicy\",\"config\":{\"name\":\"float32\"},\"registered_name\":null},\"k\":{\"module\":"
                + "\"keras.initializers\",\"class_name\":\"GlorotUniform\",\"config\":{\"seed\":null},"
                + "\"registered_name\":null},\"c\":null,\"m\":{\"module\":\"keras.constraints\",\"class_name\":"
                + "\"MaxNorm\",\"config\":{\"max_value\":2.0,\"axis\":[0,1]},\"registered_name\":null}}",
                writer.config().toString());
        assertFalse(writer.recordsInputShape());
    }

    @Test
    void regularizersInEverySpelling() {
        assertEquals(Regularizer.l2(0.01), regularizer("{\"class_name\": \"L2\", \"config\": {}}"));
        assertEquals(Regularizer.l1(0.01), regularizer("{\"class_name\": \"l1\", \"config\": {\"l1\": null}}"));
        assertEquals(Regularizer.l2(0.5), regularizer("{\"class_name\": \"l1_l2\", \"config\": {\"l2\": 0.5}}"));
        assertEquals(Regularizer.none(), regularizer("{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, "
                + "\"l2\": 0.0}}"));
        assertEquals(Regularizer.none(), regularizer("null"));
        refused(c -> c.regularizer("kernel_regularizer"), "{\"kernel_regularizer\": {\"class_name\": "
                + "\"OrthogonalRegularizer\", \"config\": {\"factor\": 0.01, \"mode\": \"rows\"}}}",
                "kernel_regularizer OrthogonalRegularizer is not supported; Sightline supports L1, L2 and L1L2");
        refused(c -> c.regularizer("kernel_regularizer"), "{\"kernel_regularizer\": \"l2\"}",
                "kernel_regularizer must be a regularizer object, got \"l2\"");
        refused(c -> c.regularizer("bias_regularizer"), "{\"bias_regularizer\": {\"class_name\": \"L2\", "
                + "\"config\": {\"l2\": \"0.1\"}}}", "bias_regularizer l2 must be a number, got \"0.1\"");
        refused(c -> c.regularizer("bias_regularizer"), "{\"bias_regularizer\": {\"class_name\": \"L1\", "
                + "\"config\": {\"l1\": -1}}}",
                "bias_regularizer: Regularizer.l1 must be a finite number >= 0, got -1.0");
        // Keras has no activity regularizer Sightline computes: it stays an unsupported setting.
        refused(c -> {
            Dense.fromKeras(c, FLAT);
            c.rejectUnknown();
            return c;
        }, "{\"units\": 2, \"activity_regularizer\": {\"class_name\": \"L2\", \"config\": {\"l2\": 0.1}}}",
                "unsupported setting activity_regularizer = {\"class_name\":\"L2\",\"config\":{\"l2\":0.1}}");
    }

    private static Regularizer regularizer(String json) {
        return KerasConfig.of("w", object("{\"r\": " + json + "}")).regularizer("r");
    }

    @Test
    void writerSpellsRegularizersAsKeras3() {
        KerasConfig.Writer writer = new KerasConfig.Writer("d").regularizer("n", Regularizer.none())
                .regularizer("a", Regularizer.l1(0.5)).regularizer("b", Regularizer.l2(0.25))
                .regularizer("c", new Regularizer(0.5, 0.25));
        ObjectNode config = writer.config();
        assertTrue(config.get("n").isNull());
        assertEquals("{\"module\":\"keras.regularizers\",\"class_name\":\"L1\",\"config\":{\"l1\":0.5},"
                + "\"registered_name\":null}", config.get("a").toString());
        assertEquals("{\"module\":\"keras.regularizers\",\"class_name\":\"L2\",\"config\":{\"l2\":0.25},"
                + "\"registered_name\":null}", config.get("b").toString());
        assertEquals("{\"module\":\"keras.regularizers\",\"class_name\":\"L1L2\",\"config\":{\"l1\":0.5,"
                + "\"l2\":0.25},\"registered_name\":null}", config.get("c").toString());
    }

    @Test
    void longIntegersAcceptWholeFloats() {
        assertEquals(1000L, KerasConfig.of("w", object("{\"n\": 1000.0}")).longInteger("n", null));
        assertEquals(7L, KerasConfig.of("w", object("{}")).longInteger("n", 7L));
        assertArrayEquals(new int[] {2, 2}, KerasConfig.of("w", object("{\"p\": 2}")).pair("p", null));
        Constraint none = KerasConfig.of("w", object("{}")).constraint("c", 4);
        assertSame(Constraint.none(), none);
    }
    @Test
    void everyActivationWritesWhatItReadsBackInDenseAndActivation() {
        for (ActivationFunction f : ActivationFunction.values()) {
            Layer activation = new Activation("a", f);
            assertEquals(activation, read(Activation.class, written(activation), FLAT), f.toString());
            Layer dense = new Dense("d", 3, f, true, Constraint.none());
            assertEquals(dense, read(Dense.class, written(dense), FLAT), f.toString());
        }
    }

    @Test
    void swishIsKeras2sNameForSilu() {
        String keras2 = "{\"name\": \"a\", \"dtype\": \"float32\", \"activation\": \"swish\"}";
        assertEquals(new Activation("a", ActivationFunction.SILU), read(Activation.class, object(keras2), FLAT));
        assertEquals("silu", written(new Activation("a", ActivationFunction.SILU)).get("activation").asText());
    }

    @Test
    void hardSigmoidIsKeras2sOrKeras3sAsTheDtypeSpellingSays() {
        String keras2 = "{\"name\": \"a\", \"dtype\": \"float32\", \"activation\": \"hard_sigmoid\"}";
        String keras3 = "{\"name\": \"a\", " + K3_DTYPE + ", \"activation\": \"hard_sigmoid\"}";
        // Keras 1 and early Keras 2 wrote no dtype at all.
        String noDtype = "{\"name\": \"a\", \"activation\": \"hard_sigmoid\"}";
        assertEquals(ActivationFunction.HARD_SIGMOID_KERAS2, activation(read(Activation.class, object(keras2), FLAT)));
        assertEquals(ActivationFunction.HARD_SIGMOID_KERAS2, activation(read(Activation.class, object(noDtype), FLAT)));
        assertEquals(ActivationFunction.HARD_SIGMOID, activation(read(Activation.class, object(keras3), FLAT)));
        // Keras 3 has no name for Keras 2's function: its config keeps Keras 2's dtype spelling.
        ObjectNode written = written(new Activation("a", ActivationFunction.HARD_SIGMOID_KERAS2));
        assertEquals("{\"name\":\"a\",\"trainable\":true,\"dtype\":\"float32\",\"activation\":\"hard_sigmoid\"}",
                written.toString());
        assertTrue(written(new Activation("a", ActivationFunction.HARD_SIGMOID)).get("dtype").isObject());
    }

    private static ActivationFunction activation(Layer layer) {
        return ((Activation) layer).function();
    }
}
