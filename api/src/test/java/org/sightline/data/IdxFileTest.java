package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    private static final byte[] PIXELS = {1, 2, 3, 4, 5, 6, (byte) 200, 8, 9, 10, 11, (byte) 255};

    @TempDir
    Path dir;

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    @Test
    void readsImagesPlainAndGzipped() throws IOException {
        byte[] idx = DatasetFiles.idxImages(2051, 2, 2, 3, PIXELS);
        for (Path file : new Path[] {write("images", idx), write("images.gz", DatasetFiles.gzip(idx))}) {
            IdxFile.Images images = IdxFile.readImages(file);
            assertEquals(2, images.count());
            assertEquals(2, images.rows());
            assertEquals(3, images.columns());
            assertArrayEquals(PIXELS, images.pixels());
        }
    }

    @Test
    void readsLabelsPlainAndGzipped() throws IOException {
        byte[] idx = DatasetFiles.idxLabels(2049, 4, 0, 9, 3, 3);
        assertArrayEquals(new int[] {0, 9, 3, 3}, IdxFile.readLabels(write("labels", idx), 10));
        assertArrayEquals(new int[] {0, 9, 3, 3}, IdxFile.readLabels(write("labels.gz", DatasetFiles.gzip(idx)), 10));
    }

    @Test
    void aWrongMagicNumberIsNamed() throws IOException {
        Path labelsAsImages = write("swapped", DatasetFiles.idxLabels(2049, 2, 1, 2));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(labelsAsImages));
        assertEquals(labelsAsImages + " at byte offset 0: magic number 2049 (that of a label file), expected 2051"
                + " for an IDX image file", e.getMessage());
        Path imagesAsLabels = write("swapped2", DatasetFiles.idxImages(2051, 1, 1, 1, new byte[1]));
        DatasetFormatException e2 = assertThrows(DatasetFormatException.class,
                () -> IdxFile.readLabels(imagesAsLabels, 10));
        assertTrue(e2.getMessage().contains("magic number 2051 (that of an image file), expected 2049"),
                e2.getMessage());
        Path random = write("random.gz", DatasetFiles.gzip(DatasetFiles.idxImages(1234, 1, 1, 1, new byte[1])));
        assertEquals(0, assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(random)).offset());
    }

    @Test
    void truncatedImageDataNamesTheOffsetWhereItEnds() throws IOException {
        byte[] idx = DatasetFiles.idxImages(2051, 3, 2, 3, PIXELS);
        Path file = write("short", idx);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(file));
        assertEquals(28, e.offset());
        assertTrue(e.getMessage().contains("file ends after 12 of the 18 bytes of 3 images of 2×3"), e.getMessage());
    }

    @Test
    void aCutOffGzipStreamIsReportedAtItsOffset() throws IOException {
        byte[] big = new byte[60_000];
        new java.util.Random(1).nextBytes(big);
        byte[] gz = DatasetFiles.gzip(DatasetFiles.idxImages(2051, 60, 20, 50, big));
        Path file = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(file));
        assertEquals(file.toString(), e.file());
        assertTrue(e.offset() > 16 && e.offset() < 16 + 60_000, "offset " + e.offset());
    }

    @Test
    void aTruncatedHeaderIsReported() throws IOException {
        Path file = write("header", new byte[] {0, 0, 8, 3, 0, 0});
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(file));
        assertEquals(6, e.offset());
        assertTrue(e.getMessage().contains("the IDX header"), e.getMessage());
    }

    @Test
    void moreDataThanTheHeaderAnnouncesIsAnError() throws IOException {
        Path labels = write("long", DatasetFiles.idxLabels(2049, 2, 1, 2, 3));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readLabels(labels, 10));
        assertEquals(10, e.offset());
        Path images = write("long-images", DatasetFiles.idxImages(2051, 1, 2, 3, PIXELS));
        assertEquals(22, assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(images)).offset());
    }

    @Test
    void aLabelOutOfRangeNamesItsOffset() throws IOException {
        Path file = write("labels", DatasetFiles.idxLabels(2049, 3, 1, 10, 2));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readLabels(file, 10));
        assertEquals(file + " at byte offset 9: label 10 of item 1 is outside 0..9", e.getMessage());
    }

    @Test
    void negativeCountsAndEmptyImagesAreRejected() throws IOException {
        Path negative = write("neg", DatasetFiles.idxLabels(2049, -1));
        assertEquals(4, assertThrows(DatasetFormatException.class, () -> IdxFile.readLabels(negative, 10)).offset());
        Path zeroRows = write("rows", DatasetFiles.idxImages(2051, 1, 0, 3, new byte[0]));
        assertEquals(8, assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(zeroRows)).offset());
    }

    @Test
    void anEmptyFileOrAZeroCountIsRefusedNamingTheFile() throws IOException {
        Path empty = write("t10k-images-idx3-ubyte", new byte[0]);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.readImages(empty));
        assertEquals(empty + " at byte offset 0: the file is empty; expected an IDX image file", e.getMessage());
        Path noImages = write("images", DatasetFiles.idxImages(2051, 0, 28, 28, new byte[0]));
        DatasetFormatException images = assertThrows(DatasetFormatException.class,
                () -> IdxFile.readImages(noImages));
        assertEquals(noImages + " at byte offset 4: holds 0 images; expected at least one", images.getMessage());
        Path noLabels = write("labels.gz", DatasetFiles.gzip(DatasetFiles.idxLabels(2049, 0)));
        DatasetFormatException labels = assertThrows(DatasetFormatException.class,
                () -> IdxFile.readLabels(noLabels, 10));
        assertEquals(noLabels + " at byte offset 4: holds 0 labels; expected at least one", labels.getMessage());
    }
}
