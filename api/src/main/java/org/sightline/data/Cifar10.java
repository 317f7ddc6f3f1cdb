package org.sightline.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sightline.model.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CIFAR-10 in its official binary layout, as Keras's {@code cifar10.load_data()}: 50,000 training
 * and 10,000 test images of 32×32×3 in 10 classes.
 *
 * <p>The files are {@code cifar-10-batches-bin/data_batch_1.bin} … {@code data_batch_5.bin},
 * {@code test_batch.bin} and {@code batches.meta.txt} (the class names, one a line). A batch file
 * is a sequence of 3,073-byte records: one label byte (0–9), then the 1,024 red, 1,024 green and
 * 1,024 blue bytes of a 32×32 image, each plane row-major. The loader turns the planes into NHWC.
 *
 * <pre>{@code
 * TrainTestSplit cifar = Cifar10.load();                                 // download once, then cache
 * TrainTestSplit local = Cifar10.load(Path.of("cifar-10-binary.tar.gz")); // archive or extracted folder
 * }</pre>
 *
 * <p>An extraction in the {@link DatasetCache} is used only when it has the official layout: every
 * batch file exactly 10,000 records, labels in 0–9 and {@code batches.meta.txt} with 10 names. One
 * that differs is refused, naming the file, and left in place for the user to delete. The layout, not
 * the content, is checked, so that a re-encoded copy in the official layout is accepted.
 */
public final class Cifar10 {
    /** The official archive and its published MD5. */
    public static final RemoteFile ARCHIVE = RemoteFile.of("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
            Checksum.md5("c32a1d4ab5d03f1284b67883e8d87530"));
    /** The labels' names in label order, as {@code batches.meta.txt} lists them. */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    /** Every image: 32×32 pixels, RGB. */
    public static final Shape IMAGE_SHAPE = Shape.image(32, 32, 3);
    /** The folder inside the archive that holds the batch files. */
    public static final String BATCH_FOLDER = "cifar-10-batches-bin";

    static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    static final String TEST_FILE = "test_batch.bin";
    static final String META_FILE = "batches.meta.txt";
    static final int RECORD_BYTES = 3073;

    private static final Logger LOG = LoggerFactory.getLogger(Cifar10.class);
    private static final int PLANE = 32 * 32;
    private static final int IMAGE_BYTES = 3 * PLANE;
    private static final String LOCAL_ALTERNATIVE = "Cifar10.load(Path)";

    private Cifar10() {
    }

    /** Loads from the standard {@link DatasetCache}, downloading and extracting the archive once. */
    public static TrainTestSplit load() throws IOException {
        return load(DatasetCache.standard());
    }

    /** Loads from {@code cache}, downloading (with its MD5 checked) and extracting the archive once. */
    public static TrainTestSplit load(DatasetCache cache) throws IOException {
        return load(cache, ARCHIVE);
    }

    /**
     * How many records each batch file of an extraction in the cache must hold.
     *
     * @param trainRecords records in each {@code data_batch_N.bin}
     * @param testRecords  records in {@code test_batch.bin}
     */
    record Layout(int trainRecords, int testRecords) {
        static final Layout OFFICIAL = new Layout(10_000, 10_000);

        int records(String batchFile) {
            return batchFile.equals(TEST_FILE) ? testRecords : trainRecords;
        }
    }

    static TrainTestSplit load(DatasetCache cache, RemoteFile archive) throws IOException {
        return load(cache, archive, Layout.OFFICIAL);
    }

    static TrainTestSplit load(DatasetCache cache, RemoteFile archive, Layout layout) throws IOException {
        String name = archive.fileName().replaceFirst("\\.(tar\\.gz|tgz)$", "");
        Path extracted = cache.folder().resolve(name);
        if (!Files.isDirectory(extracted)) {
            Path file = cache.fetch(archive, LOCAL_ALTERNATIVE);
            Path building = cache.newTemporaryFolder(name);
            try {
                TarGz.extract(file, building);
            } catch (IOException e) {
                DatasetCache.deleteRecursively(building);
                throw e;
            }
            extracted = cache.publishFolder(building, name);
        }
        // The archive is checksummed, a folder in the cache is not: anyone may have put it there, so it
        // is checked against the official layout and refused, never deleted, when it differs.
        try {
            Path batches = extracted.resolve(BATCH_FOLDER);
            checkLayout(batches, layout);
            return load(batches);
        } catch (DatasetFormatException e) {
            throw new DatasetFormatException(e.file(), e.offset(), e.problem() + "; delete the folder " + extracted
                    + " to extract it again from the archive");
        }
    }

    /** Sizes and the class-name file, before anything is parsed. */
    private static void checkLayout(Path batches, Layout layout) throws IOException {
        for (String name : batchFiles()) {
            Path file = batches.resolve(name);
            long expected = (long) layout.records(name) * RECORD_BYTES;
            if (!Files.isRegularFile(file)) {
                throw new DatasetFormatException(file.toString(), -1, "missing; expected " + layout.records(name)
                        + " records of " + RECORD_BYTES + " bytes in the CIFAR-10 layout");
            }
            long size = Files.size(file);
            if (size != expected) {
                throw new DatasetFormatException(file.toString(), -1, "is " + size + " bytes, expected exactly "
                        + layout.records(name) + " records of " + RECORD_BYTES + " bytes (" + expected
                        + " bytes) in the CIFAR-10 layout");
            }
        }
        Path meta = batches.resolve(META_FILE);
        if (!Files.isRegularFile(meta)) {
            throw new DatasetFormatException(meta.toString(), -1, "missing; expected the " + CLASS_NAMES.size()
                    + " class names, one a line");
        }
    }

    /**
     * Loads from a local copy: a {@code .tar.gz} archive in the official layout (read as a stream,
     * nothing is extracted), a {@code cifar-10-batches-bin} folder, or a folder that holds one.
     */
    public static TrainTestSplit load(Path archiveOrFolder) throws IOException {
        long start = System.nanoTime();
        TrainTestSplit split;
        if (Files.isDirectory(archiveOrFolder)) {
            Path inner = archiveOrFolder.resolve(BATCH_FOLDER);
            split = loadFolder(Files.isDirectory(inner) ? inner : archiveOrFolder);
        } else if (Files.isRegularFile(archiveOrFolder)) {
            split = loadArchive(archiveOrFolder);
        } else {
            throw new DatasetFormatException(archiveOrFolder.toString(), -1,
                    "no such file or folder; expected the CIFAR-10 binary .tar.gz archive or its "
                            + BATCH_FOLDER + " folder");
        }
        LOG.info("Loaded CIFAR-10 from {}: {} training and {} test images in {} ms", archiveOrFolder,
                split.train().size(), split.test().size(), (System.nanoTime() - start) / 1_000_000);
        return split;
    }

    private static TrainTestSplit loadFolder(Path folder) throws IOException {
        Map<String, Part> parts = new HashMap<>();
        for (String name : batchFiles()) {
            Path file = folder.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new DatasetFormatException(file.toString(), -1, "missing CIFAR-10 batch file; expected "
                        + batchFiles() + " in " + folder);
            }
            try (InputStream in = Files.newInputStream(file)) {
                parts.put(name, parse(file.toString(), in, Files.size(file)));
            }
        }
        Path meta = folder.resolve(META_FILE);
        List<String> classNames = Files.isRegularFile(meta)
                ? parseClassNames(meta.toString(), Files.readString(meta, StandardCharsets.UTF_8))
                : defaultClassNames(meta.toString());
        return assemble(parts, classNames);
    }

    private static TrainTestSplit loadArchive(Path archive) throws IOException {
        Map<String, Part> parts = new HashMap<>();
        List<List<String>> classNames = new ArrayList<>(1);
        TarGz.forEachFile(archive, (member, size, content) -> {
            String name = member.substring(member.lastIndexOf('/') + 1);
            String source = archive + " member " + member;
            if (batchFiles().contains(name)) {
                parts.put(name, parse(source, content, size));
            } else if (name.equals(META_FILE)) {
                classNames.add(parseClassNames(source, new String(content.readAllBytes(), StandardCharsets.UTF_8)));
            }
        });
        for (String name : batchFiles()) {
            if (!parts.containsKey(name)) {
                throw new DatasetFormatException(archive.toString(), -1, "missing CIFAR-10 batch file " + name
                        + "; expected " + batchFiles() + " under " + BATCH_FOLDER + "/");
            }
        }
        return assemble(parts, classNames.isEmpty() ? defaultClassNames(archive + " member " + META_FILE)
                : classNames.get(0));
    }

    private static List<String> batchFiles() {
        List<String> names = new ArrayList<>(TRAIN_FILES);
        names.add(TEST_FILE);
        return names;
    }

    /** One batch file: NHWC pixels and labels. */
    private record Part(byte[] pixels, int[] labels) {
    }

    /** Parses one batch file of {@code size} bytes read in one bulk read, then converted in memory. */
    private static Part parse(String source, InputStream in, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(source, -1, "is " + size + " bytes, too large for a CIFAR-10 batch");
        }
        if (size == 0) {
            // Zero records would train or score "0.0000" without a word.
            throw new DatasetFormatException(source, -1, "holds no records; expected CIFAR-10 records of "
                    + RECORD_BYTES + " bytes");
        }
        int records = (int) (size / RECORD_BYTES);
        byte[] raw = DataFiles.readExactly(source, in, 0, (int) size, records + " records of " + RECORD_BYTES
                + " bytes");
        byte[] pixels = new byte[records * IMAGE_BYTES];
        int[] labels = new int[records];
        for (int r = 0; r < records; r++) {
            int base = r * RECORD_BYTES;
            int label = raw[base] & 0xFF;
            if (label >= CLASS_NAMES.size()) {
                throw new DatasetFormatException(source, base, "label " + label + " of record " + r
                        + " is outside 0.." + (CLASS_NAMES.size() - 1));
            }
            labels[r] = label;
            int red = base + 1;
            int out = r * IMAGE_BYTES;
            for (int p = 0; p < PLANE; p++) {
                pixels[out] = raw[red + p];
                pixels[out + 1] = raw[red + PLANE + p];
                pixels[out + 2] = raw[red + 2 * PLANE + p];
                out += 3;
            }
        }
        long remainder = size - (long) records * RECORD_BYTES;
        if (remainder != 0) {
            throw new DatasetFormatException(source, (long) records * RECORD_BYTES, "truncated record " + records
                    + ": " + remainder + " of " + RECORD_BYTES + " bytes (the file has " + size
                    + " bytes, not a multiple of " + RECORD_BYTES + ")");
        }
        return new Part(pixels, labels);
    }

    static List<String> parseClassNames(String source, String text) throws DatasetFormatException {
        List<String> names = text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (names.size() != CLASS_NAMES.size()) {
            throw new DatasetFormatException(source, -1, "expected " + CLASS_NAMES.size()
                    + " class names, one a line, got " + names.size() + ": " + names);
        }
        return names;
    }

    private static List<String> defaultClassNames(String missing) {
        LOG.warn("{} not found; using the official CIFAR-10 class names", missing);
        return CLASS_NAMES;
    }

    private static TrainTestSplit assemble(Map<String, Part> parts, List<String> classNames) {
        List<Part> train = TRAIN_FILES.stream().map(parts::get).toList();
        int trainSize = train.stream().mapToInt(part -> part.labels().length).sum();
        byte[] pixels = new byte[Math.multiplyExact(trainSize, IMAGE_BYTES)];
        int[] labels = new int[trainSize];
        int offset = 0;
        for (Part part : train) {
            int count = part.labels().length;
            System.arraycopy(part.pixels(), 0, pixels, offset * IMAGE_BYTES, count * IMAGE_BYTES);
            System.arraycopy(part.labels(), 0, labels, offset, count);
            offset += count;
        }
        Part test = parts.get(TEST_FILE);
        return new TrainTestSplit(new ImageDataset(IMAGE_SHAPE, pixels, labels, classNames),
                new ImageDataset(IMAGE_SHAPE, test.pixels(), test.labels(), classNames));
    }
}
