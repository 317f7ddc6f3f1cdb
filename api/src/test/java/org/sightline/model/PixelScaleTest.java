package org.sightline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PixelScaleTest {

    @Test
    void dividesBy255BitExactlyWhereMultiplyingWouldNot() {
        int differ = 0;
        for (int v = 0; v < 256; v++) {
            assertEquals(Float.floatToIntBits(v / 255f), Float.floatToIntBits(PixelScale.toFloat((byte) v)),
                    "value " + v);
            if (v / 255f != v * PixelScale.DEFAULT) {
                differ++;
            }
        }
        assertEquals(126, differ, "the values multiplying by DEFAULT gets wrong in the last bit");
        assertEquals(1f, PixelScale.toFloats(new byte[] {(byte) 255})[0]);
    }
}
