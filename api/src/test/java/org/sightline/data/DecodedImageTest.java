package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.model.Shape;

class DecodedImageTest {
    @TempDir
    Path dir;

    static Path writeImage(BufferedImage image, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, format, file.toFile())) {
            throw new IOException("no " + format + " writer");
        }
        return file;
    }

    static BufferedImage rgb(int height, int width, int... rgbValues) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < height * width; i++) {
            image.setRGB(i % width, i / width, rgbValues[i % rgbValues.length]);
        }
        return image;
    }

    static BufferedImage gray(int height, int width, int... values) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSamples(0, 0, width, height, 0, values);
        return image;
    }

    @Test
    void readsAnRgbPngExactlyInHwcOrder() throws IOException {
        Path file = writeImage(rgb(2, 3, 0xFF0000, 0x00FF00, 0x0000FF, 0x102030, 0xFFFFFF, 0x000000), "png",
                dir.resolve("a.png"));
        DecodedImage image = DecodedImage.read(file, ColorMode.RGB);
        assertEquals(Shape.image(2, 3, 3), image.shape());
        assertArrayEquals(bytes(255, 0, 0, 0, 255, 0, 0, 0, 255, 16, 32, 48, 255, 255, 255, 0, 0, 0), image.pixels());
        assertEquals(48, image.pixel(1, 0, 2));
    }

    @Test
    void convertsColourToGrayscaleWithLumaWeights() throws IOException {
        Path file = writeImage(rgb(1, 4, 0xFF0000, 0x00FF00, 0x0000FF, 0x102030), "png", dir.resolve("a.png"));
        DecodedImage image = DecodedImage.read(file, ColorMode.GRAYSCALE);
        assertEquals(Shape.image(1, 4, 1), image.shape());
        // 0.299 R + 0.587 G + 0.114 B, rounded: 76, 150, 29, and (16·299 + 32·587 + 48·114) / 1000 = 29.0
        assertArrayEquals(bytes(76, 150, 29, 29), image.pixels());
    }

    @Test
    void keepsGrayPngValuesWithoutAGammaCurve() throws IOException {
        int[] values = {0, 1, 64, 128, 200, 255};
        Path file = writeImage(gray(2, 3, values), "png", dir.resolve("g.png"));
        assertArrayEquals(bytes(values), DecodedImage.read(file, ColorMode.GRAYSCALE).pixels());
        assertArrayEquals(bytes(0, 0, 0, 1, 1, 1, 64, 64, 64, 128, 128, 128, 200, 200, 200, 255, 255, 255),
                DecodedImage.read(file, ColorMode.RGB).pixels());
        // The pitfall avoided: BufferedImage.getRGB maps linear gray 64 to a brighter sRGB value.
        assertTrue((ImageIO.read(file.toFile()).getRGB(2, 0) & 0xFF) != 64);
    }

    @Test
    void scalesSixteenBitGrayToEightBits() throws IOException {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 32896, 65535});
        Path file = writeImage(image, "png", dir.resolve("g16.png"));
        assertArrayEquals(bytes(0, 128, 255), DecodedImage.read(file, ColorMode.GRAYSCALE).pixels());
    }

    @Test
    void dropsAlphaAndReadsPalettes() throws IOException {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80102030);
        argb.setRGB(1, 0, 0xFF405060);
        assertArrayEquals(bytes(16, 32, 48, 64, 80, 96),
                DecodedImage.read(writeImage(argb, "png", dir.resolve("argb.png")), ColorMode.RGB).pixels());

        BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED);
        indexed.setRGB(0, 0, 0xFF0000);
        indexed.setRGB(1, 0, 0xFFFFFF);
        byte[] pixels = DecodedImage.read(writeImage(indexed, "png", dir.resolve("indexed.png")), ColorMode.RGB)
                .pixels();
        assertArrayEquals(bytes(255, 0, 0, 255, 255, 255), pixels);
    }

    @Test
    void readsJpegApproximately() throws IOException {
        Path file = writeImage(rgb(16, 16, 0x3C78B4), "jpg", dir.resolve("a.jpg"));
        DecodedImage image = DecodedImage.read(file, ColorMode.RGB);
        assertEquals(Shape.image(16, 16, 3), image.shape());
        assertEquals(0x3C, image.pixel(8, 8, 0), 6);
        assertEquals(0x78, image.pixel(8, 8, 1), 6);
        assertEquals(0xB4, image.pixel(8, 8, 2), 6);
    }

    @Test
    void aFileThatIsNotAnImageIsNamed() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.png"), "hello");
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> DecodedImage.read(text, ColorMode.RGB));
        assertEquals(text.toString(), e.file());
        assertTrue(e.getMessage().contains("not an image"), e.getMessage());

        byte[] png = Files.readAllBytes(writeImage(rgb(8, 8, 0x123456), "png", dir.resolve("whole.png")));
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, 40));
        DatasetFormatException damaged = assertThrows(DatasetFormatException.class,
                () -> DecodedImage.read(cut, ColorMode.RGB));
        assertEquals(cut.toString(), damaged.file());

        assertThrows(DatasetFormatException.class, () -> DecodedImage.read(dir.resolve("absent.png"), ColorMode.RGB));
    }

    @Test
    void bilinearUpsamplingUsesHalfPixelCentres() {
        DecodedImage row = new DecodedImage(1, 2, 1, bytes(0, 255));
        // tf.image.resize([[0, 255]], (1, 4)) = [0, 63.75, 191.25, 255]
        assertArrayEquals(bytes(0, 64, 191, 255), row.resize(1, 4).pixels());
        DecodedImage column = new DecodedImage(2, 1, 1, bytes(100, 200));
        assertArrayEquals(bytes(100, 125, 175, 200), column.resize(4, 1).pixels());
    }

    @Test
    void bilinearDownsamplingByTwoAveragesEachBlock() {
        DecodedImage image = new DecodedImage(4, 4, 1, bytes(
                0, 10, 20, 30,
                40, 50, 60, 70,
                80, 90, 100, 110,
                120, 130, 140, 150));
        // Sampling points fall between 2×2 blocks: (0+10+40+50)/4 = 25, ...
        assertArrayEquals(bytes(25, 45, 105, 125), image.resize(2, 2).pixels());
    }

    @Test
    void resizeKeepsChannelsApartAndSameSizeIsIdentity() {
        DecodedImage image = new DecodedImage(1, 2, 3, bytes(255, 0, 10, 255, 100, 30));
        assertArrayEquals(bytes(255, 0, 10, 255, 25, 15, 255, 75, 25, 255, 100, 30), image.resize(1, 4).pixels());
        assertSame(image, image.resize(1, 2));
        assertThrows(IllegalArgumentException.class, () -> image.resize(0, 2));
    }

    @Test
    void validatesItsFields() {
        assertThrows(IllegalArgumentException.class, () -> new DecodedImage(1, 1, 2, new byte[2]));
        assertThrows(IllegalArgumentException.class, () -> new DecodedImage(1, 2, 3, new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> new DecodedImage(0, 2, 1, new byte[0]));
    }

    static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    /** A JPEG of a 64×64 gradient: enough scan data that cutting its tail leaves part of the image undecoded. */
    static byte[] jpeg() throws IOException {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | (x + y));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    @Test
    void aJpegMissingItsLastBytesIsAnErrorNamingTheFile() throws IOException {
        byte[] whole = jpeg();
        Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(whole, whole.length * 2 / 3));
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> DecodedImage.read(cut, ColorMode.RGB));
        assertEquals(cut.toString(), e.file());
        assertTrue(e.getMessage().startsWith(cut + ": damaged image (the decoder warned: "), e.getMessage());
        assertEquals(64, DecodedImage.read(Files.write(dir.resolve("whole.jpg"), whole), ColorMode.RGB).height());
    }

    @Test
    void bytesInMemoryDecodeAsTheFileAndDamageIsNamedByTheGivenName() throws IOException {
        byte[] whole = jpeg();
        Path file = Files.write(dir.resolve("memory.jpg"), whole);
        DecodedImage fromBytes = DecodedImage.read(whole, "row 3", ColorMode.RGB);
        assertArrayEquals(DecodedImage.read(file, ColorMode.RGB).pixels(), fromBytes.pixels());
        DatasetFormatException cut = assertThrows(DatasetFormatException.class,
                () -> DecodedImage.read(Arrays.copyOf(whole, whole.length * 2 / 3), "row 3", ColorMode.RGB));
        assertTrue(cut.getMessage().startsWith("row 3: damaged image (the decoder warned: "), cut.getMessage());
        DatasetFormatException text = assertThrows(DatasetFormatException.class,
                () -> DecodedImage.read("not an image".getBytes(), "row 4", ColorMode.RGB));
        assertEquals("row 4: not an image (expected PNG, JPEG, BMP or GIF)", text.getMessage());
    }

    /** A CMYK JPEG (Adobe APP14 marker, no colour transform) as print workflows write them. */
    /**
     * A photo stored as Adobe CMYK: the JDK's own JPEG reader decodes it without complaint but with wrong colours
     * (mean luminance about 67 instead of 25), so without the TwelveMonkeys reader this test fails. Fixture and
     * reference: see src/test/resources/images/README.md.
     */
    @Test
    void readsCmykJpegsWithTheirRealColours() throws IOException {
        DecodedImage cmyk = DecodedImage.read(resource("images/cmyk-photo.jpg"), ColorMode.RGB);
        DecodedImage reference = DecodedImage.read(resource("images/cmyk-photo-reference.png"), ColorMode.RGB);
        assertEquals(reference.shape(), cmyk.shape());
        for (int c = 0; c < 3; c++) {
            double cmykMean = channelMean(cmyk, c);
            double referenceMean = channelMean(reference, c);
            assertEquals(referenceMean, cmykMean, 4, "mean of channel " + c);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(DecodedImageTest.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double channelMean(DecodedImage image, int channel) {
        long sum = 0;
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                sum += image.pixel(y, x, channel);
            }
        }
        return sum / (double) (image.height() * image.width());
    }
}
