package org.sightline.model;

/**
 * How Sightline's models take images: every 0..255 pixel byte divided by 255 as one float32
 * division, the reference's {@code x.astype('float32') / 255.0}. Training batches, predictors and
 * model files all agree on it, so a model sees the very values it was trained on.
 *
 * <pre>{@code
 * float[] input = PixelScale.toFloats(pixels); // 0 -> 0f, 255 -> 1f
 * }</pre>
 */
public final class PixelScale {
    /**
     * The scale, 1/255, as model files record it. Multiplying by it rounds twice and differs in the
     * last bit for 126 of the 256 byte values; {@link #toFloat} divides, as the reference does.
     */
    public static final float DEFAULT = 1f / 255f;

    private static final float[] SCALED = new float[256];

    static {
        for (int v = 0; v < SCALED.length; v++) {
            SCALED[v] = v / 255f;
        }
    }

    private PixelScale() {
    }

    /** {@code pixel / 255f} for the unsigned value of {@code pixel}. */
    public static float toFloat(byte pixel) {
        return SCALED[pixel & 0xFF];
    }

    /** Every pixel scaled by {@link #toFloat}. */
    public static float[] toFloats(byte[] pixels) {
        float[] values = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            values[i] = SCALED[pixels[i] & 0xFF];
        }
        return values;
    }
}
