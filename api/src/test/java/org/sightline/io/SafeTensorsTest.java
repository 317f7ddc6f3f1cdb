package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.model.FloatTensor;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file assembled byte by byte from the format description. */
    private static byte[] rawFile(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data).array();
    }

    private static byte[] floats(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private ModelFileException failure(String header, byte[] data) throws IOException {
        Path file = write("bad.safetensors", rawFile(header, data));
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e;
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void writesTheReferenceLayoutByteForByte() throws IOException {
        Path file = dir.resolve("a.safetensors");
        SafeTensors.writer().metadata("format", "pt")
                .put("a", FloatTensor.of(new int[] {2}, new float[] {1f, -2.5f}))
                .writeTo(file);
        // serde_json's compact output, padded with spaces to a multiple of 8 as the Rust crate does.
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,8]}}";
        String padded = json + " ".repeat((8 - json.length() % 8) % 8);
        byte[] expected = rawFile(padded, floats(1f, -2.5f));
        assertArrayEquals(expected, Files.readAllBytes(file));
        assertEquals(0, (8 + padded.length()) % 8);
    }

    @Test
    void readsAHandBuiltFileWithTensorsOutOfOrder() throws IOException {
        // Header order differs from data order, the header is not padded, and "b" is an I64 scalar.
        ByteBuffer data = ByteBuffer.allocate(8 + 12).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(-7L).putFloat(1f).putFloat(2f).putFloat(3f);
        String header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [3, 1], \"data_offsets\": [8, 20]},"
                + " \"b\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [0, 8]},"
                + " \"__metadata__\": {\"k\": \"v\"}}";
        try (SafeTensors read = SafeTensors.read(write("hand.safetensors", rawFile(header, data.array())))) {
            assertEquals(List.of("w", "b"), List.copyOf(read.names()));
            assertEquals(Map.of("k", "v"), read.metadata());
            assertEquals(FloatTensor.of(new int[] {3, 1}, new float[] {1, 2, 3}), read.floatTensor("w"));
            assertArrayEquals(new long[] {-7}, read.longs("b"));
            assertEquals(new SafeTensors.TensorInfo("b", SafeTensors.DType.I64, new int[0], 0, 8), read.info("b"));
        }
    }

    @Test
    void roundTripKeepsTensorsAndMetadata() throws IOException {
        float[] big = new float[300_000]; // larger than one write chunk
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5f - 7;
        }
        FloatTensor kernel = FloatTensor.of(new int[] {3, 100_000}, big);
        FloatTensor empty = FloatTensor.of(new int[] {0, 4}, new float[0]);
        long[] longs = new long[200_000];
        for (int i = 0; i < longs.length; i++) {
            longs[i] = Long.MAX_VALUE - i;
        }
        Path file = dir.resolve("round.safetensors");
        SafeTensors.writer().metadata("z", "last").metadata("a", "{\"json\": [1]}")
                .put("conv2d/kernel", kernel).put("empty", empty).putLongs("steps", new int[] {2, 100_000}, longs)
                .writeTo(file);
        try (SafeTensors read = SafeTensors.read(file)) {
            assertEquals(List.of("z", "a"), List.copyOf(read.metadata().keySet()));
            assertEquals("{\"json\": [1]}", read.metadata().get("a"));
            assertEquals(kernel, read.floatTensor("conv2d/kernel"));
            assertEquals(empty, read.floatTensor("empty"));
            assertArrayEquals(longs, read.longs("steps"));
            // Tensors follow each other in insertion order, and the data starts 8-byte aligned.
            assertEquals(0, read.info("conv2d/kernel").begin());
            assertEquals(1_200_000, read.info("empty").begin());
            assertEquals(1_200_000, read.info("steps").begin());
            assertEquals(2_800_000, read.info("steps").end());
            assertEquals(0, (Files.size(file) - 2_800_000) % 8);
        }
    }

    @Test
    void tooShortFileIsRejected() throws IOException {
        Path file = write("short.safetensors", new byte[] {1, 2, 3});
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertMentions(e, file.toString(), "3 bytes long");
    }

    @Test
    void headerLengthBeyondTheFileIsRejected() throws IOException {
        byte[] bytes = rawFile("{}", new byte[0]);
        bytes[0] = 100;
        Path file = write("long.safetensors", bytes);
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertMentions(e, file.toString(), "header length 100 (bytes 0-7) runs past the end of the file (10 bytes)");
    }

    @Test
    void aFileOfAnotherKindIsRejected() throws IOException {
        Path file = write("text.safetensors", "This is not a model at all".getBytes(StandardCharsets.US_ASCII));
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertMentions(e, "runs past the end of the file", "not a safetensors file");
    }

    @Test
    void invalidJsonIsRejectedWithItsOffset() throws IOException {
        ModelFileException e = failure("{\"a\": {\"dtype\": \"F32\", \"shape\": [1] \"data_offsets\": [0, 4]}}",
                floats(1));
        assertMentions(e, "is not valid JSON at file offset");
    }

    @Test
    void headerNotStartingWithABraceIsRejected() throws IOException {
        ModelFileException e = failure("[1, 2]  ", new byte[0]);
        assertMentions(e, "does not start with '{'");
    }

    @Test
    void unknownDtypeIsRejected() throws IOException {
        ModelFileException e = failure("{\"q\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 1]}}",
                new byte[1]);
        assertMentions(e, "tensor 'q'", "unknown or unsupported dtype 'Q4'", "F32, I64");
    }

    @Test
    void offsetsPastTheDataAreRejected() throws IOException {
        ModelFileException e = failure("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}",
                floats(1, 2));
        assertMentions(e, "tensor 'w'", "data_offsets [0, 16]", "past the end of the data section (8 bytes",
                "truncated");
    }

    @Test
    void offsetsThatDoNotMatchTheShapeAreRejected() throws IOException {
        ModelFileException e = failure("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}",
                floats(1, 2));
        assertMentions(e, "tensor 'w'", "hold 8 bytes but F32 [3] needs 12");
    }

    @Test
    void overlappingTensorsAreRejected() throws IOException {
        ModelFileException e = failure("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", floats(1, 2, 3));
        assertMentions(e, "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]", "file offset");
    }

    @Test
    void gapsAndTrailingBytesAreRejected() throws IOException {
        ModelFileException gap = failure("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}",
                floats(1, 2));
        assertMentions(gap, "tensor 'a' starts at data offset 4", "gap");
        ModelFileException trailing = failure(
                "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", floats(1, 2));
        assertMentions(trailing, "4 bytes after the last tensor");
    }

    @Test
    void duplicateNamesAreRejected() throws IOException {
        ModelFileException e = failure("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", floats(1));
        assertMentions(e, "Duplicate field 'a'");
    }

    @Test
    void nonStringMetadataIsRejected() throws IOException {
        ModelFileException e = failure("{\"__metadata__\": {\"epochs\": 3}}", new byte[0]);
        assertMentions(e, "__metadata__ value of 'epochs' must be a string");
    }

    @Test
    void malformedEntriesAreRejected() throws IOException {
        assertMentions(failure("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 0]}}",
                new byte[0]), "tensor 'a'", "invalid dimension -1");
        assertMentions(failure("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4]}}",
                new byte[4]), "tensor 'a'", "'data_offsets' must be [begin, end]");
        assertMentions(failure("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}",
                new byte[4]), "tensor 'a'", "are not a range");
        assertMentions(failure("{\"a\": 5}", new byte[0]), "tensor 'a'", "must be an object");
    }

    @Test
    void askingForTheWrongTypeOrAMissingTensorFails() throws IOException {
        Path file = dir.resolve("typed.safetensors");
        SafeTensors.writer().putLongs("n", new int[] {1}, new long[] {5}).writeTo(file);
        try (SafeTensors read = SafeTensors.read(file)) {
            assertMentions(assertThrows(ModelFileException.class, () -> read.floatTensor("n")), file.toString(),
                    "tensor 'n'", "is I64, expected F32");
            assertMentions(assertThrows(ModelFileException.class, () -> read.floatTensor("m")), "has no tensor 'm'");
        }
    }

    @Test
    void writerRejectsBadNames() {
        SafeTensors.Writer writer = SafeTensors.writer().put("a", FloatTensor.filled(new int[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> writer.put("a", FloatTensor.filled(new int[] {1}, 0)));
        assertThrows(IllegalArgumentException.class,
                () -> writer.put(SafeTensors.METADATA_KEY, FloatTensor.filled(new int[] {1}, 0)));
        assertThrows(IllegalArgumentException.class, () -> writer.putLongs("n", new int[] {2}, new long[3]));
    }

    /** A sparse file: only the header and the last tensor take disk space. */
    private Path sparseFile(String name, String header, long dataLength, byte[] tail) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, rawFile(header, new byte[0]));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() + dataLength);
            raf.seek(raf.length() - tail.length);
            raf.write(tail);
        }
        return file;
    }

    @Test
    void tensorsPastTwoGibibytesAreReadWithoutReadingTheRest() throws IOException {
        long huge = 3_000_000_000L; // larger than the test JVM's heap
        String header = "{\"huge\": {\"dtype\": \"F32\", \"shape\": [750000000], \"data_offsets\": [0, " + huge
                + "]}, \"small\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [" + huge + ", "
                + (huge + 8) + "]}}";
        Path file = sparseFile("big.safetensors", header, huge + 8, floats(1.5f, -2f));
        try (SafeTensors read = SafeTensors.read(file)) {
            assertEquals(FloatTensor.of(new int[] {2}, new float[] {1.5f, -2f}), read.floatTensor("small"));
            assertEquals(huge, read.info("huge").end());
        }
    }

    @Test
    void tensorsOfMoreThanTwoToThe31ElementsAreRejected() throws IOException {
        long bytes = 4L * Integer.MAX_VALUE + 4;
        Path file = sparseFile("too-many.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [65536, 32768], "
                + "\"data_offsets\": [0, " + bytes + "]}}", bytes, new byte[0]);
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertMentions(e, file.toString(), "tensor 'w'", "shape [65536, 32768] has more than the 2147483647 elements");
    }
}
