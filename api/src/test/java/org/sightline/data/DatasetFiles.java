package org.sightline.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Small hand-made dataset files in the official layouts, for tests. */
final class DatasetFiles {
    private DatasetFiles() {
    }

    /** The red value of pixel (y, x) in the test images: distinct per record, row and column. */
    static int red(int record, int y, int x) {
        return (record * 7 + y * 32 + x) & 0xFF;
    }

    static int green(int record, int y, int x) {
        return (record * 11 + 3 * y + 5 * x + 100) & 0xFF;
    }

    static int blue(int record, int y, int x) {
        return (255 - record - y - x) & 0xFF;
    }

    /** CIFAR-10 records {@code first, first+1, ...} with the given labels: label byte, R plane, G plane, B plane. */
    static byte[] cifarRecords(int first, int... labels) {
        byte[] data = new byte[labels.length * Cifar10.RECORD_BYTES];
        for (int r = 0; r < labels.length; r++) {
            int base = r * Cifar10.RECORD_BYTES;
            data[base] = (byte) labels[r];
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int p = y * 32 + x;
                    data[base + 1 + p] = (byte) red(first + r, y, x);
                    data[base + 1 + 1024 + p] = (byte) green(first + r, y, x);
                    data[base + 1 + 2048 + p] = (byte) blue(first + r, y, x);
                }
            }
        }
        return data;
    }

    /** The official file names with two records each (labels cycling 0..9), and the meta file. */
    static Map<String, byte[]> smallCifar() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("batches.meta.txt", String.join("\n", Cifar10.CLASS_NAMES).concat("\n\n").getBytes());
        int record = 0;
        for (String name : Cifar10.TRAIN_FILES) {
            files.put(name, cifarRecords(record, record % 10, (record + 1) % 10));
            record += 2;
        }
        files.put(Cifar10.TEST_FILE, cifarRecords(record, 9, 8, 7));
        return files;
    }

    /** A .tar.gz holding {@code files} under {@code folder/}. */
    static Path tarGz(Path archive, String folder, Map<String, byte[]> files) throws IOException {
        Files.write(archive, tarGzBytes(folder, files));
        return archive;
    }

    static byte[] tarGzBytes(String folder, Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(folder.isEmpty() ? file.getKey()
                        : folder + "/" + file.getKey());
                entry.setSize(file.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Writes each file into {@code folder}. */
    static Path folder(Path folder, Map<String, byte[]> files) throws IOException {
        Files.createDirectories(folder);
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Files.write(folder.resolve(file.getKey()), file.getValue());
        }
        return folder;
    }

    /** An IDX image file: magic 2051, count, rows, columns, then the pixel bytes. */
    static byte[] idxImages(int magic, int count, int rows, int columns, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length).putInt(magic).putInt(count).putInt(rows).putInt(columns)
                .put(pixels).array();
    }

    /** An IDX label file: magic 2049, count, then one byte per label. */
    static byte[] idxLabels(int magic, int count, int... labels) {
        ByteBuffer buffer = ByteBuffer.allocate(8 + labels.length).putInt(magic).putInt(count);
        for (int label : labels) {
            buffer.put((byte) label);
        }
        return buffer.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    /** The project's root folder: the build passes it; from the api module it is the parent. */
    static Path projectRoot() {
        return Path.of(System.getProperty("sightline.projectRoot", "..")).toAbsolutePath().normalize();
    }
}
