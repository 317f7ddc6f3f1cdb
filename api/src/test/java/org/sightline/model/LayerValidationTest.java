package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LayerValidationTest {

    interface Construction {
        void run();
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                Arguments.of((Construction) () -> Conv2D.of(-3, 3), "Conv2D.filters must be > 0, got -3"),
                Arguments.of((Construction) () -> Conv2D.of(8, 0), "Conv2D.kernel_size must be > 0, got (0, 0)"),
                Arguments.of((Construction) () -> Conv2D.of(8, 3).withStrides(0, 1),
                        "Conv2D.strides must be > 0, got (0, 1)"),
                Arguments.of((Construction) () -> Dense.of(0), "Dense.units must be > 0, got 0"),
                Arguments.of((Construction) () -> Dropout.of(1.0), "Dropout.rate must be in [0, 1), got 1.0"),
                Arguments.of((Construction) () -> Dropout.of(Double.NaN), "Dropout.rate must be in [0, 1), got NaN"),
                Arguments.of((Construction) () -> new BatchNormalization(null, 1.5, 1e-3),
                        "BatchNormalization.momentum must be in [0, 1], got 1.5"),
                Arguments.of((Construction) () -> new BatchNormalization(null, 0.99, 0),
                        "BatchNormalization.epsilon must be a finite number > 0, got 0.0"),
                Arguments.of((Construction) () -> MaxNorm.of(-1),
                        "MaxNorm.max_value must be a finite number > 0, got -1.0"),
                Arguments.of((Construction) () -> MaxPooling2D.of(0), "pool_size must be > 0, got (0, 0)"),
                Arguments.of((Construction) () -> ActivationFunction.fromKeras("mish"),
                        "Unknown activation 'mish', expected one of linear, relu, sigmoid, tanh, softmax, relu6, elu, "
                                + "selu, gelu, silu, hard_sigmoid, softplus, softsign (or swish)"),
                Arguments.of((Construction) () -> Padding.fromKeras("causal"),
                        "Unknown padding 'causal', expected 'valid' or 'same'"),
                Arguments.of((Construction) () -> Shape.of(32, -1, 3),
                        "Shape dimension 1 must be > 0, got -1 in [32, -1, 3]"));
    }

    @ParameterizedTest
    @MethodSource("invalidSpecs")
    void invalidSpecsNameFieldAndValue(Construction construction, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
        assertEquals(message, e.getMessage());
    }
}
