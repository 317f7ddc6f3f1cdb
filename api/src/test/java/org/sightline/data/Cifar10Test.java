package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {
    @TempDir
    Path dir;

    @Test
    void loadsTheSharedArchive() throws IOException {
        Path archive = DatasetFiles.projectRoot().resolve("../shared/datasets/cifar-10-jpeg75-binary.tar.gz")
                .normalize();
        assumeTrue(Files.isRegularFile(archive), "CIFAR-10 archive absent at " + archive
                + " (../shared/datasets relative to the project root, see its README); skipping the real-data test");
        long start = System.nanoTime();
        TrainTestSplit cifar = Cifar10.load(archive);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(50_000, cifar.train().size());
        assertEquals(10_000, cifar.test().size());
        assertEquals(Cifar10.IMAGE_SHAPE, cifar.imageShape());
        assertEquals(List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                cifar.classNames());
        int[] trainCounts = new int[10];
        Arrays.fill(trainCounts, 5_000);
        int[] testCounts = new int[10];
        Arrays.fill(testCounts, 1_000);
        assertArrayEquals(trainCounts, cifar.train().classCounts());
        assertArrayEquals(testCounts, cifar.test().classCounts());
        // Real photographs: mid-range mean, every value used, channels differ (planes not mixed up).
        double[] channelMeans = new double[3];
        for (int i = 0; i < 1000; i++) {
            for (int p = 0; p < 3072; p++) {
                channelMeans[p % 3] += cifar.train().pixel(i, p) / (1000.0 * 1024);
            }
        }
        for (double mean : channelMeans) {
            assertTrue(mean > 90 && mean < 160, "channel mean " + mean);
        }
        assertTrue(channelMeans[0] > channelMeans[2], "CIFAR-10 is redder than it is blue: "
                + Arrays.toString(channelMeans));
        assertTrue(millis < 30_000, "loading took " + millis + " ms");
    }

    @Test
    void convertsPlanesToNhwcFromAnArchive() throws IOException {
        Path archive = DatasetFiles.tarGz(dir.resolve("small.tar.gz"), Cifar10.BATCH_FOLDER, DatasetFiles.smallCifar());
        assertSmallCifar(Cifar10.load(archive));
    }

    @Test
    void loadsTheBatchFolderOrTheFolderAboveIt() throws IOException {
        Path parent = dir.resolve("extracted");
        DatasetFiles.folder(parent.resolve(Cifar10.BATCH_FOLDER), DatasetFiles.smallCifar());
        assertSmallCifar(Cifar10.load(parent));
        assertSmallCifar(Cifar10.load(parent.resolve(Cifar10.BATCH_FOLDER)));
    }

    private static void assertSmallCifar(TrainTestSplit cifar) {
        assertEquals(10, cifar.train().size());
        assertEquals(3, cifar.test().size());
        assertEquals(Cifar10.CLASS_NAMES, cifar.classNames());
        // Training images follow data_batch_1 … data_batch_5, whatever the archive order.
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, cifar.train().labels());
        assertArrayEquals(new int[] {9, 8, 7}, cifar.test().labels());
        for (int record = 0; record < 10; record++) {
            assertImage(cifar.train(), record, record);
        }
        for (int i = 0; i < 3; i++) {
            assertImage(cifar.test(), i, 10 + i);
        }
    }

    private static void assertImage(ImageDataset data, int index, int record) {
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int base = (y * 32 + x) * 3;
                assertEquals(DatasetFiles.red(record, y, x), data.pixel(index, base), "red " + y + "," + x);
                assertEquals(DatasetFiles.green(record, y, x), data.pixel(index, base + 1), "green " + y + "," + x);
                assertEquals(DatasetFiles.blue(record, y, x), data.pixel(index, base + 2), "blue " + y + "," + x);
            }
        }
    }

    @Test
    void classNamesComeFromTheMetaFile() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.put(Cifar10.META_FILE, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n".getBytes());
        TrainTestSplit cifar = Cifar10.load(DatasetFiles.tarGz(dir.resolve("x.tar.gz"), "cifar-10-batches-bin", files));
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), cifar.classNames());
    }

    @Test
    void aMissingMetaFileFallsBackToTheOfficialNames() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.remove(Cifar10.META_FILE);
        assertEquals(Cifar10.CLASS_NAMES, Cifar10.load(DatasetFiles.folder(dir.resolve("f"), files)).classNames());
    }

    @Test
    void aMetaFileWithTheWrongNumberOfNamesIsAnError() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.put(Cifar10.META_FILE, "cat\ndog\n".getBytes());
        Path folder = DatasetFiles.folder(dir.resolve("f"), files);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10.load(folder));
        assertTrue(e.getMessage().contains("batches.meta.txt") && e.getMessage().contains("expected 10 class names"),
                e.getMessage());
    }

    @Test
    void aTruncatedRecordNamesTheFileAndOffset() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        byte[] two = files.get("data_batch_2.bin");
        files.put("data_batch_2.bin", Arrays.copyOf(two, two.length - 100));
        DatasetFormatException inArchive = assertThrows(DatasetFormatException.class, () -> Cifar10.load(
                DatasetFiles.tarGz(dir.resolve("t.tar.gz"), Cifar10.BATCH_FOLDER, files)));
        assertEquals(3073, inArchive.offset());
        assertTrue(inArchive.getMessage().contains("cifar-10-batches-bin/data_batch_2.bin at byte offset 3073: "
                + "truncated record 1: 2973 of 3073 bytes"), inArchive.getMessage());

        Path folder = DatasetFiles.folder(dir.resolve("f"), files);
        DatasetFormatException inFolder = assertThrows(DatasetFormatException.class, () -> Cifar10.load(folder));
        assertEquals(folder.resolve("data_batch_2.bin").toString(), inFolder.file());
        assertEquals(3073, inFolder.offset());
    }

    @Test
    void aLabelOutsideZeroToNineNamesTheFileRecordAndOffset() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.get(Cifar10.TEST_FILE)[2 * 3073] = 10;
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10.load(
                DatasetFiles.tarGz(dir.resolve("l.tar.gz"), Cifar10.BATCH_FOLDER, files)));
        assertEquals(2 * 3073, e.offset());
        assertTrue(e.getMessage().endsWith("test_batch.bin at byte offset 6146: label 10 of record 2 is outside 0..9"),
                e.getMessage());
        files.get(Cifar10.TEST_FILE)[2 * 3073] = (byte) 255;
        DatasetFormatException high = assertThrows(DatasetFormatException.class,
                () -> Cifar10.load(DatasetFiles.folder(dir.resolve("f"), files)));
        assertTrue(high.getMessage().contains("label 255"), high.getMessage());
    }

    @Test
    void aMissingBatchFileIsNamed() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.remove("data_batch_4.bin");
        DatasetFormatException inArchive = assertThrows(DatasetFormatException.class, () -> Cifar10.load(
                DatasetFiles.tarGz(dir.resolve("m.tar.gz"), Cifar10.BATCH_FOLDER, files)));
        assertTrue(inArchive.getMessage().contains("missing CIFAR-10 batch file data_batch_4.bin"),
                inArchive.getMessage());
        Path folder = DatasetFiles.folder(dir.resolve("f"), files);
        DatasetFormatException inFolder = assertThrows(DatasetFormatException.class, () -> Cifar10.load(folder));
        assertEquals(folder.resolve("data_batch_4.bin").toString(), inFolder.file());
    }

    @Test
    void aFileThatIsNotAnArchiveOrIsCutOffIsRejected() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.tar.gz"), "not an archive");
        DatasetFormatException notGzip = assertThrows(DatasetFormatException.class, () -> Cifar10.load(text));
        assertTrue(notGzip.getMessage().contains("no gzip magic"), notGzip.getMessage());

        byte[] whole = DatasetFiles.tarGzBytes(Cifar10.BATCH_FOLDER, DatasetFiles.smallCifar());
        Path cut = Files.write(dir.resolve("cut.tar.gz"), Arrays.copyOf(whole, whole.length / 2));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10.load(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());

        DatasetFormatException missing = assertThrows(DatasetFormatException.class,
                () -> Cifar10.load(dir.resolve("absent.tar.gz")));
        assertTrue(missing.getMessage().contains("no such file or folder"), missing.getMessage());
    }

    @Test
    void downloadsVerifiesExtractsAndThenUsesTheExtraction() throws Exception {
        byte[] archive = DatasetFiles.tarGzBytes(Cifar10.BATCH_FOLDER, DatasetFiles.smallCifar());
        RemoteFile remote;
        DatasetCache cache = new DatasetCache(dir.resolve("cache"));
        try (LocalHttpServer server = LocalHttpServer.start()) {
            server.serve("/cifar-10-binary.tar.gz", archive);
            remote = new RemoteFile("cifar-10-binary.tar.gz", List.of(server.uri("/cifar-10-binary.tar.gz")),
                    Checksum.md5(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(archive))));
            assertSmallCifar(Cifar10.load(cache, remote, SMALL));
            assertEquals(1, server.requests("/cifar-10-binary.tar.gz"));
        }
        assertTrue(Files.isRegularFile(cache.folder().resolve("cifar-10-binary/cifar-10-batches-bin/test_batch.bin")));
        try (Stream<Path> files = Files.list(cache.folder())) {
            assertEquals(List.of("cifar-10-binary", "cifar-10-binary.tar.gz"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary folder left");
        }
        // The server is gone: the extraction is used.
        assertSmallCifar(Cifar10.load(cache, remote, SMALL));
    }

    /** The layout of {@link DatasetFiles#smallCifar}: 2 records in each training batch, 3 in the test batch. */
    private static final Cifar10.Layout SMALL = new Cifar10.Layout(2, 3);

    private Path cacheHolding(Map<String, byte[]> files) throws IOException {
        return DatasetFiles.folder(dir.resolve("cache/cifar-10-binary").resolve(Cifar10.BATCH_FOLDER), files);
    }

    private DatasetFormatException refusedFromCache() throws IOException {
        RemoteFile offline = new RemoteFile("cifar-10-binary.tar.gz",
                List.of(LocalHttpServer.unreachable("/cifar-10-binary.tar.gz")), Cifar10.ARCHIVE.checksum());
        return assertThrows(DatasetFormatException.class,
                () -> Cifar10.load(new DatasetCache(dir.resolve("cache")), offline, SMALL));
    }

    @Test
    void aCachedFolderOfTheWrongLayoutIsRefusedAndKept() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.put("data_batch_3.bin", DatasetFiles.cifarRecords(0, 1, 2, 3));
        Path batches = cacheHolding(files);
        DatasetFormatException e = refusedFromCache();
        assertEquals(batches.resolve("data_batch_3.bin") + ": is 9219 bytes, expected exactly 2 records of 3073"
                + " bytes (6146 bytes) in the CIFAR-10 layout; delete the folder " + batches.getParent()
                + " to extract it again from the archive", e.getMessage());
        assertTrue(Files.isRegularFile(batches.resolve("data_batch_3.bin")), "the user's folder is left alone");
    }

    @Test
    void aCachedFolderWithABadLabelOrNoClassNamesIsRefused() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.get("data_batch_5.bin")[3073] = 12;
        Path batches = cacheHolding(files);
        DatasetFormatException label = refusedFromCache();
        assertEquals(batches.resolve("data_batch_5.bin").toString(), label.file());
        assertTrue(label.getMessage().contains("label 12 of record 1 is outside 0..9; delete the folder "
                + batches.getParent()), label.getMessage());

        files.get("data_batch_5.bin")[3073] = 2;
        Files.write(batches.resolve("data_batch_5.bin"), files.get("data_batch_5.bin"));
        Files.delete(batches.resolve(Cifar10.META_FILE));
        DatasetFormatException meta = refusedFromCache();
        assertEquals(batches.resolve(Cifar10.META_FILE) + ": missing; expected the 10 class names, one a line;"
                + " delete the folder " + batches.getParent() + " to extract it again from the archive",
                meta.getMessage());
    }

    @Test
    void theOfficialLayoutHasTenThousandRecordsInEveryBatch() {
        assertEquals(new Cifar10.Layout(10_000, 10_000), Cifar10.Layout.OFFICIAL);
    }

    @Test
    void aDownloadedArchiveWithTheWrongChecksumIsNotKept() throws Exception {
        byte[] archive = DatasetFiles.tarGzBytes(Cifar10.BATCH_FOLDER, DatasetFiles.smallCifar());
        DatasetCache cache = new DatasetCache(dir.resolve("cache"));
        try (LocalHttpServer server = LocalHttpServer.start()) {
            server.serve("/cifar-10-binary.tar.gz", archive);
            RemoteFile remote = new RemoteFile("cifar-10-binary.tar.gz", List.of(server.uri("/cifar-10-binary.tar.gz")),
                    Cifar10.ARCHIVE.checksum());
            IOException e = assertThrows(IOException.class, () -> Cifar10.load(cache, remote));
            assertTrue(e.getMessage().contains("checksum mismatch, expected MD5 c32a1d4ab5d03f1284b67883e8d87530"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("Cifar10.load(Path)"), e.getMessage());
        }
        try (Stream<Path> files = Files.list(cache.folder())) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void withoutNetworkTheErrorSaysHowToPassTheArchive() throws Exception {
        RemoteFile remote = new RemoteFile("cifar-10-binary.tar.gz",
                List.of(LocalHttpServer.unreachable("/cifar-10-binary.tar.gz")), Cifar10.ARCHIVE.checksum());
        IOException e = assertThrows(IOException.class,
                () -> Cifar10.load(new DatasetCache(dir.resolve("cache")), remote));
        assertTrue(e.getMessage().contains("--data PATH") && e.getMessage().contains("Cifar10.load(Path)"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("cache/cifar-10-binary")));
    }

    @Test
    void theOfficialArchiveIsDescribed() {
        assertEquals("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                Cifar10.ARCHIVE.urls().get(0).toString());
        assertEquals(Checksum.md5("c32a1d4ab5d03f1284b67883e8d87530"), Cifar10.ARCHIVE.checksum());
        assertEquals("cifar-10-binary.tar.gz", Cifar10.ARCHIVE.fileName());
    }

    @Test
    void aBatchFileWithNoRecordsIsRefusedNamingIt() throws IOException {
        Map<String, byte[]> files = DatasetFiles.smallCifar();
        files.put(Cifar10.TEST_FILE, new byte[0]);
        Path folder = DatasetFiles.folder(dir.resolve("f"), files);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10.load(folder));
        assertEquals(folder.resolve(Cifar10.TEST_FILE) + ": holds no records; expected CIFAR-10 records of 3073"
                + " bytes", e.getMessage());
        DatasetFormatException inArchive = assertThrows(DatasetFormatException.class, () -> Cifar10.load(
                DatasetFiles.tarGz(dir.resolve("e.tar.gz"), Cifar10.BATCH_FOLDER, files)));
        assertTrue(inArchive.getMessage().endsWith("member cifar-10-batches-bin/test_batch.bin: holds no records;"
                + " expected CIFAR-10 records of 3073 bytes"), inArchive.getMessage());
    }

    @Test
    void aBatchFileLinkedToAnEmptyFileIsRefusedNamingIt() throws IOException {
        Path folder = DatasetFiles.folder(dir.resolve("f"), DatasetFiles.smallCifar());
        Path test = folder.resolve(Cifar10.TEST_FILE);
        Files.delete(test);
        Files.createSymbolicLink(test, Files.createFile(dir.resolve("empty.bin")));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> Cifar10.load(folder));
        assertEquals(test.toString(), e.file());
        assertTrue(e.getMessage().contains("holds no records"), e.getMessage());
    }
}
