package org.sightline.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.sightline.model.Shape;

/**
 * One image file decoded to unsigned bytes in HWC order, as Keras's {@code load_img} followed by
 * {@code img_to_array}: PNG, JPEG, BMP or GIF through {@code javax.imageio}, optionally resized
 * with bilinear interpolation as {@code tf.image.resize} does.
 *
 * <pre>{@code
 * DecodedImage image = DecodedImage.read(Path.of("cat.png"), ColorMode.RGB).resize(32, 32);
 * }</pre>
 *
 * @param height   rows
 * @param width    columns
 * @param channels 3 for RGB, 1 for grayscale
 * @param pixels   {@code height × width × channels} bytes, row-major, channels last
 */
public record DecodedImage(int height, int width, int channels, byte[] pixels) {

    public DecodedImage {
        Objects.requireNonNull(pixels, "DecodedImage.pixels");
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("DecodedImage size must be > 0, got " + height + "×" + width);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("DecodedImage.channels must be 1 or 3, got " + channels);
        }
        if (pixels.length != (long) height * width * channels) {
            throw new IllegalArgumentException("DecodedImage of " + height + "×" + width + "×" + channels + " needs "
                    + (long) height * width * channels + " bytes, got " + pixels.length);
        }
    }

    /**
     * Decodes {@code file}. A decoder warning, such as a JPEG missing its last bytes (which would
     * otherwise decode with grey pixels), is an error: a damaged image is never used silently.
     * CMYK and YCCK JPEGs are read through the TwelveMonkeys plugin on the class path.
     *
     * @throws DatasetFormatException naming the file when it is not an image that can be decoded whole
     */
    public static DecodedImage read(Path file, ColorMode colorMode) throws IOException {
        return of(decode(file), colorMode);
    }

    /**
     * Decodes an image file's bytes held in memory, e.g. a row of Spark's {@code binaryFile} source or of a
     * Parquet file, with the same checks as {@link #read(Path, ColorMode)}.
     *
     * @param name names the image in errors, such as the path it was read from
     * @throws DatasetFormatException naming {@code name} when the bytes are not an image that can be decoded whole
     */
    public static DecodedImage read(byte[] bytes, String name, ColorMode colorMode) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            return of(decode(in, name), colorMode);
        }
    }

    /** The image of {@code file}, refused on any decoder warning. */
    static BufferedImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetFormatException(file.toString(), -1, "no such image file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(in, file.toString());
        }
    }

    private static BufferedImage decode(ImageInputStream in, String name) throws IOException {
        Iterator<ImageReader> readers = in == null ? Collections.emptyIterator() : ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new DatasetFormatException(name, -1, "not an image (expected PNG, JPEG, BMP or GIF)");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage image;
        try {
            reader.setInput(in, true, true);
            image = reader.read(0);
        } catch (IOException | RuntimeException e) {
            // ImageIO signals damaged files with IIOException and, for some formats, runtime exceptions.
            throw new DatasetFormatException(name, -1, "not a readable image: " + e.getMessage());
        } finally {
            reader.dispose();
        }
        List<String> damage = warnings.stream().filter(warning -> !isAboutColourProfile(warning)).toList();
        if (!damage.isEmpty()) {
            throw new DatasetFormatException(name, -1, "damaged image (the decoder warned: "
                    + String.join("; ", damage) + ")");
        }
        return image;
    }

    /**
     * Whether a decoder warning is about colour management rather than damage: TwelveMonkeys warns that a CMYK
     * JPEG without an ICC profile is converted with a generic profile. Any other warning counts as damage, so an
     * unknown warning refuses the image rather than letting it through.
     */
    static boolean isAboutColourProfile(String warning) {
        String lower = warning.toLowerCase(Locale.ROOT);
        return lower.contains("icc") || lower.contains("color profile") || lower.contains("colour profile");
    }

    /** Whether {@code image} holds colour, which a grayscale dataset converts. */
    static boolean isColour(BufferedImage image) {
        return image.getColorModel().getColorSpace().getType() != ColorSpace.TYPE_GRAY;
    }

    /** The pixels of an image already in memory. */
    public static DecodedImage of(BufferedImage image, ColorMode colorMode) {
        int h = image.getHeight();
        int w = image.getWidth();
        int channels = colorMode.channels();
        byte[] pixels = new byte[h * w * channels];
        if (!isColour(image)) {
            // getRGB would pass gray values through a linear-to-sRGB curve; the stored samples are the data.
            Raster raster = image.getRaster();
            int bits = image.getColorModel().getComponentSize(0);
            int max = (1 << bits) - 1;
            int[] samples = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < samples.length; i++) {
                byte gray = (byte) (bits == 8 ? samples[i] : (samples[i] * 255 + max / 2) / max);
                for (int c = 0; c < channels; c++) {
                    pixels[i * channels + c] = gray;
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                int r = (argb[i] >> 16) & 0xFF;
                int g = (argb[i] >> 8) & 0xFF;
                int b = argb[i] & 0xFF;
                if (channels == 3) {
                    pixels[3 * i] = (byte) r;
                    pixels[3 * i + 1] = (byte) g;
                    pixels[3 * i + 2] = (byte) b;
                } else {
                    pixels[i] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
                }
            }
        }
        return new DecodedImage(h, w, channels, pixels);
    }

    /** (height, width, channels). */
    public Shape shape() {
        return Shape.image(height, width, channels);
    }

    /** Unsigned value of channel {@code channel} at row {@code y}, column {@code x}. */
    public int pixel(int y, int x, int channel) {
        return pixels[(y * width + x) * channels + channel] & 0xFF;
    }

    /**
     * This image resized to {@code newHeight × newWidth} by bilinear interpolation with half-pixel
     * centres and no antialiasing, as {@code tf.image.resize(..., "bilinear")} (Keras's default),
     * rounded to the nearest byte. The same size gives this image back.
     */
    public DecodedImage resize(int newHeight, int newWidth) {
        if (newHeight <= 0 || newWidth <= 0) {
            throw new IllegalArgumentException("Target size must be > 0, got " + newHeight + "×" + newWidth);
        }
        if (newHeight == height && newWidth == width) {
            return this;
        }
        int[] y0 = new int[newHeight];
        int[] y1 = new int[newHeight];
        float[] fy = new float[newHeight];
        sourcePositions(height, newHeight, y0, y1, fy);
        int[] x0 = new int[newWidth];
        int[] x1 = new int[newWidth];
        float[] fx = new float[newWidth];
        sourcePositions(width, newWidth, x0, x1, fx);
        byte[] out = new byte[newHeight * newWidth * channels];
        for (int y = 0; y < newHeight; y++) {
            for (int x = 0; x < newWidth; x++) {
                for (int c = 0; c < channels; c++) {
                    float top = lerp(pixel(y0[y], x0[x], c), pixel(y0[y], x1[x], c), fx[x]);
                    float bottom = lerp(pixel(y1[y], x0[x], c), pixel(y1[y], x1[x], c), fx[x]);
                    int value = Math.round(lerp(top, bottom, fy[y]));
                    out[(y * newWidth + x) * channels + c] = (byte) Math.max(0, Math.min(255, value));
                }
            }
        }
        return new DecodedImage(newHeight, newWidth, channels, out);
    }

    /** For each output index: the two source neighbours and the weight of the second. */
    private static void sourcePositions(int size, int newSize, int[] low, int[] high, float[] fraction) {
        float scale = (float) size / newSize;
        for (int i = 0; i < newSize; i++) {
            float in = (i + 0.5f) * scale - 0.5f;
            float floor = (float) Math.floor(in);
            low[i] = Math.max(0, (int) floor);
            high[i] = Math.min(size - 1, (int) Math.ceil(in));
            fraction[i] = in - floor;
        }
    }

    private static float lerp(float a, float b, float t) {
        return a + (b - a) * t;
    }
}
