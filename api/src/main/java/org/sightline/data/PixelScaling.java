package org.sightline.data;

import java.util.Arrays;
import java.util.Locale;
import org.sightline.model.PixelScale;

/**
 * How 0..255 pixels become a model's input values: {@code (pixel × scale − mean[c]) / std[c]} for
 * channel {@code c}. Sightline trains with {@link #SIGHTLINE} (divide by 255, no mean or standard
 * deviation); models from other tools often use ImageNet's statistics.
 *
 * <pre>{@code
 * PixelScaling imagenet = PixelScaling.of(1 / 255.0, new float[] {0.485f, 0.456f, 0.406f},
 *         new float[] {0.229f, 0.224f, 0.225f});
 * }</pre>
 *
 * @param scale the factor applied to each 0..255 value
 * @param mean  subtracted after scaling, one per channel (one value applies to every channel)
 * @param std   divided by after subtracting the mean, one per channel (one value applies to every channel)
 */
public record PixelScaling(double scale, float[] mean, float[] std) {
    /** Sightline's preprocessing: {@code pixel / 255}, exactly as training batches compute it. */
    public static final PixelScaling SIGHTLINE = of(PixelScale.DEFAULT);

    public PixelScaling {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("PixelScaling.scale must be a positive number, got " + scale);
        }
        mean = mean.clone();
        std = std.clone();
        if (mean.length != 1 && mean.length != 3 || std.length != 1 && std.length != 3) {
            throw new IllegalArgumentException("PixelScaling needs 1 or 3 values for mean and std, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("PixelScaling.std values must be positive, got "
                        + Arrays.toString(std));
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("PixelScaling.mean values must be finite, got "
                        + Arrays.toString(mean));
            }
        }
    }

    /** Scaling only: mean 0 and standard deviation 1. */
    public static PixelScaling of(double scale) {
        return new PixelScaling(scale, new float[] {0f}, new float[] {1f});
    }

    /** Scaling, then per-channel mean and standard deviation. */
    public static PixelScaling of(double scale, float[] mean, float[] std) {
        return new PixelScaling(scale, mean, std);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Whether this scales only, with mean 0 and standard deviation 1. */
    public boolean isScaleOnly() {
        return Arrays.equals(mean, new float[] {0f}) && Arrays.equals(std, new float[] {1f});
    }

    /** Whether {@code other} records the same scale as this one, to float precision. */
    public boolean sameScale(double other) {
        return Math.abs(scale - other) <= 1e-6 * Math.max(Math.abs(scale), Math.abs(other));
    }

    /**
     * The input values of NHWC pixels with {@code channels} channels. A scale of 1/255 divides by 255
     * as {@link PixelScale#toFloats} does, so a model sees the very values it was trained and evaluated on.
     */
    public float[] apply(byte[] pixels, int channels) {
        float[][] table = table(channels);
        float[] values = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            values[i] = table[i % channels][pixels[i] & 0xFF];
        }
        return values;
    }

    /**
     * The input value of every 0..255 byte of each of {@code channels} channels, {@code [channel][byte]}:
     * what {@link #apply} looks up.
     */
    public float[][] table(int channels) {
        if (mean.length == 3 && channels != 3) {
            throw new IllegalArgumentException("Per-channel mean and std " + this + " need 3 channels, got "
                    + channels);
        }
        float[][] table = new float[channels][256];
        boolean divide = (float) scale == PixelScale.DEFAULT;
        boolean scaleOnly = isScaleOnly();
        for (int c = 0; c < channels; c++) {
            double m = mean[mean.length == 1 ? 0 : c];
            double s = std[std.length == 1 ? 0 : c];
            for (int v = 0; v < 256; v++) {
                float scaled = divide ? v / 255f : (float) (v * scale);
                table[c][v] = scaleOnly ? scaled : (float) ((scaled - m) / s);
            }
        }
        return table;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PixelScaling p && p.scale == scale && Arrays.equals(p.mean, mean)
                && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return Double.hashCode(scale) * 31 * 31 + Arrays.hashCode(mean) * 31 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return isScaleOnly() ? String.format(Locale.ROOT, "scale %s", (float) scale)
                : String.format(Locale.ROOT, "scale %s, mean %s, std %s", (float) scale, Arrays.toString(mean),
                        Arrays.toString(std));
    }
}
