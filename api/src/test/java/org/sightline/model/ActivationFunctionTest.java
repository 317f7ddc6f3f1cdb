package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sightline.conformance.ReferenceForwardPass;

/** Each activation at points on every piece of its definition, as Keras computes it. */
class ActivationFunctionTest {
    private static final float[] X = {-4, -1, 0, 0.5f, 2, 7};

    private static float[] apply(ActivationFunction f, float... x) {
        Sequential model = Sequential.of(Shape.of(x.length), Activation.of(f));
        return ReferenceForwardPass.predict(model, Weights.builder().build(), x, 1);
    }

    @Test
    void piecewiseLinearActivations() {
        assertArrayEquals(new float[] {0, 0, 0, 0.5f, 2, 6}, apply(ActivationFunction.RELU6, X), 1e-6f);
        // Keras 3: relu6(x + 3) / 6, flat beyond -3 and 3.
        assertArrayEquals(new float[] {0, 2 / 6f, 0.5f, 3.5f / 6, 5 / 6f, 1}, apply(ActivationFunction.HARD_SIGMOID, X),
                1e-6f);
        // Keras 2: 0.2 x + 0.5, flat beyond -2.5 and 2.5.
        assertArrayEquals(new float[] {0, 0.3f, 0.5f, 0.6f, 0.9f, 1}, apply(ActivationFunction.HARD_SIGMOID_KERAS2, X),
                1e-6f);
        assertArrayEquals(new float[] {-0.8f, -0.5f, 0, 1 / 3f, 2 / 3f, 0.875f}, apply(ActivationFunction.SOFTSIGN, X),
                1e-6f);
    }

    @Test
    void smoothActivations() {
        // exp(x) - 1 below 0; selu scales that by 1.0507 * 1.6733 and x by 1.0507.
        assertArrayEquals(new float[] {-0.981684361f, -0.632120559f, 0, 0.5f, 2, 7}, apply(ActivationFunction.ELU, X),
                1e-6f);
        assertArrayEquals(new float[] {-1.72589863f, -1.11133074f, 0, 0.525350494f, 2.10140197f, 7.35490691f},
                apply(ActivationFunction.SELU, X), 1e-6f);
        // 0.5 x (1 + erf(x / sqrt 2)): the exact form, not tanh's approximation (which gives -0.1588 at -1).
        assertArrayEquals(new float[] {-0.000126684967f, -0.158655254f, 0, 0.345731231f, 1.95449974f, 7},
                apply(ActivationFunction.GELU, X), 1e-6f);
        assertArrayEquals(new float[] {-0.0719448398f, -0.268941421f, 0, 0.311229666f, 1.76159416f, 6.99362264f},
                apply(ActivationFunction.SILU, X), 1e-6f);
        assertArrayEquals(new float[] {0.0181499279f, 0.313261688f, 0.693147181f, 0.974076984f, 2.12692801f,
            7.00091147f}, apply(ActivationFunction.SOFTPLUS, X), 1e-6f);
    }

    @Test
    void softplusAndEluStayFiniteForLargeInputs() {
        // exp(1000) overflows even a double: the stable forms never compute it.
        assertArrayEquals(new float[] {0, 1000}, apply(ActivationFunction.SOFTPLUS, -1000, 1000), 1e-6f);
        assertArrayEquals(new float[] {-1, 1000}, apply(ActivationFunction.ELU, -1000, 1000), 1e-6f);
    }

    @Test
    void kerasNamesInBothSpellings() {
        assertEquals("silu", ActivationFunction.SILU.kerasName());
        assertEquals(ActivationFunction.SILU, ActivationFunction.fromKeras("swish"));
        assertEquals(ActivationFunction.SILU, ActivationFunction.fromKeras("silu"));
        assertEquals("hard_sigmoid", ActivationFunction.HARD_SIGMOID_KERAS2.kerasName());
        assertEquals(ActivationFunction.HARD_SIGMOID, ActivationFunction.fromKeras("hard_sigmoid"));
        assertEquals(ActivationFunction.HARD_SIGMOID_KERAS2, ActivationFunction.fromKeras("hard_sigmoid", true));
        for (ActivationFunction f : ActivationFunction.values()) {
            assertEquals(f, ActivationFunction.fromKeras(f.kerasName(), f == ActivationFunction.HARD_SIGMOID_KERAS2));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ActivationFunction.fromKeras("mish"));
        assertTrue(e.getMessage().startsWith("Unknown activation 'mish', expected one of linear, relu,"),
                e.getMessage());
        // Both hard sigmoids are one Keras name, listed once.
        assertEquals(e.getMessage().indexOf("hard_sigmoid"), e.getMessage().lastIndexOf("hard_sigmoid"),
                e.getMessage());
    }
}
