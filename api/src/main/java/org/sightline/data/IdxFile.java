package org.sightline.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The IDX format of MNIST and Fashion-MNIST, gzipped or not: a big-endian header (magic number,
 * item count, then for images rows and columns) followed by one unsigned byte per value.
 * Offsets in errors count bytes of the uncompressed content.
 */
final class IdxFile {
    /** Magic number of a file of unsigned-byte vectors: the labels. */
    static final int LABELS_MAGIC = 0x00000801;
    /** Magic number of a file of unsigned-byte matrices: the images. */
    static final int IMAGES_MAGIC = 0x00000803;

    private static final int LABELS_HEADER = 8;
    private static final int IMAGES_HEADER = 16;

    /** The images of one IDX file, row-major, one byte per pixel. */
    record Images(int count, int rows, int columns, byte[] pixels) {
    }

    private IdxFile() {
    }

    static Images readImages(Path file) throws IOException {
        String source = file.toString();
        checkNotEmpty(file, "image");
        try (InputStream in = DataFiles.open(file)) {
            ByteBuffer header = header(source, in, IMAGES_HEADER, IMAGES_MAGIC, "image");
            int count = atLeastOne(source, nonNegative(source, 4, header.getInt(4), "image count"), "images");
            int rows = positive(source, 8, header.getInt(8), "row count");
            int columns = positive(source, 12, header.getInt(12), "column count");
            long length = (long) count * rows * columns;
            if (length > Integer.MAX_VALUE - 8) {
                throw new DatasetFormatException(source, 4, count + " images of " + rows + "×" + columns
                        + " do not fit in one array");
            }
            byte[] pixels = DataFiles.readExactly(source, in, IMAGES_HEADER, (int) length,
                    count + " images of " + rows + "×" + columns);
            DataFiles.expectEnd(source, in, IMAGES_HEADER + length);
            return new Images(count, rows, columns, pixels);
        }
    }

    /** The labels of one IDX file, each checked to be below {@code numClasses}. */
    static int[] readLabels(Path file, int numClasses) throws IOException {
        String source = file.toString();
        checkNotEmpty(file, "label");
        try (InputStream in = DataFiles.open(file)) {
            ByteBuffer header = header(source, in, LABELS_HEADER, LABELS_MAGIC, "label");
            int count = atLeastOne(source, nonNegative(source, 4, header.getInt(4), "label count"), "labels");
            byte[] bytes = DataFiles.readExactly(source, in, LABELS_HEADER, count, count + " labels");
            DataFiles.expectEnd(source, in, LABELS_HEADER + (long) count);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = bytes[i] & 0xFF;
                if (labels[i] >= numClasses) {
                    throw new DatasetFormatException(source, LABELS_HEADER + i, "label " + labels[i] + " of item " + i
                            + " is outside 0.." + (numClasses - 1));
                }
            }
            return labels;
        }
    }

    /** The header; the magic number is checked first so that a swapped file is named as such, even a short one. */
    private static ByteBuffer header(String source, InputStream in, int length, int expectedMagic, String kind)
            throws IOException {
        byte[] header = new byte[length];
        System.arraycopy(DataFiles.readExactly(source, in, 0, 4, "the IDX magic number"), 0, header, 0, 4);
        checkMagic(source, ByteBuffer.wrap(header).getInt(0), expectedMagic, kind);
        System.arraycopy(DataFiles.readExactly(source, in, 4, length - 4, "the IDX header"), 0, header, 4, length - 4);
        return ByteBuffer.wrap(header);
    }

    private static void checkMagic(String source, int magic, int expected, String kind) throws DatasetFormatException {
        if (magic != expected) {
            String hint = magic == LABELS_MAGIC ? " (that of a label file)"
                    : magic == IMAGES_MAGIC ? " (that of an image file)" : "";
            throw new DatasetFormatException(source, 0, "magic number " + magic + hint + ", expected " + expected
                    + " for an IDX " + kind + " file");
        }
    }

    private static int nonNegative(String source, long offset, int value, String field) throws DatasetFormatException {
        if (value < 0) {
            throw new DatasetFormatException(source, offset, field + " " + value + " is negative");
        }
        return value;
    }

    /** An empty file says so, rather than that its magic number is cut off (a failed copy leaves such files). */
    private static void checkNotEmpty(Path file, String kind) throws IOException {
        if (Files.size(file) == 0) {
            throw new DatasetFormatException(file.toString(), 0, "the file is empty; expected an IDX " + kind
                    + " file");
        }
    }

    /** A dataset of 0 items would train or score "0.0000" without a word. */
    private static int atLeastOne(String source, int count, String items) throws DatasetFormatException {
        if (count == 0) {
            throw new DatasetFormatException(source, 4, "holds 0 " + items + "; expected at least one");
        }
        return count;
    }

    private static int positive(String source, long offset, int value, String field) throws DatasetFormatException {
        if (value <= 0) {
            throw new DatasetFormatException(source, offset, field + " must be > 0, got " + value);
        }
        return value;
    }
}
