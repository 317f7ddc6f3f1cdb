package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.model.Shape;

class FashionMnistTest {
    private static final Path DEBIAN = FashionMnist.DEBIAN_PACKAGE_FOLDER;

    @TempDir
    Path dir;

    @Test
    void loadsTheDebianPackageFiles() throws IOException {
        assumeTrue(Files.isRegularFile(DEBIAN.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST absent from "
                + DEBIAN + "; install it with: apt-get install -y dataset-fashion-mnist");
        TrainTestSplit fashion = FashionMnist.load(DEBIAN);
        assertEquals(60_000, fashion.train().size());
        assertEquals(10_000, fashion.test().size());
        assertEquals(Shape.image(28, 28, 1), fashion.imageShape());
        assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Ankle boot"), fashion.classNames());
        int[] train = new int[10];
        Arrays.fill(train, 6_000);
        int[] test = new int[10];
        Arrays.fill(test, 1_000);
        assertArrayEquals(train, fashion.train().classCounts());
        assertArrayEquals(test, fashion.test().classCounts());
        // The first training image is an ankle boot (label 9) on a black background, as in every copy.
        assertEquals(9, fashion.train().label(0));
        assertEquals(0, fashion.train().pixel(0, 0));
    }

    /** Four small IDX files: 3 training and 2 test images of 28×28, pixel = image + position. */
    private static Map<String, byte[]> smallFiles() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("train-images-idx3-ubyte", DatasetFiles.idxImages(2051, 3, 28, 28, pixels(3, 0)));
        files.put("train-labels-idx1-ubyte", DatasetFiles.idxLabels(2049, 3, 9, 0, 5));
        files.put("t10k-images-idx3-ubyte", DatasetFiles.idxImages(2051, 2, 28, 28, pixels(2, 50)));
        files.put("t10k-labels-idx1-ubyte", DatasetFiles.idxLabels(2049, 2, 1, 8));
        return files;
    }

    private static byte[] pixels(int count, int first) {
        byte[] pixels = new byte[count * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (first + i / 784 + i % 784);
        }
        return pixels;
    }

    private static void assertSmall(TrainTestSplit fashion) {
        assertArrayEquals(new int[] {9, 0, 5}, fashion.train().labels());
        assertArrayEquals(new int[] {1, 8}, fashion.test().labels());
        assertEquals(FashionMnist.CLASS_NAMES, fashion.classNames());
        assertEquals(2 + 700 & 0xFF, fashion.train().pixel(2, 700));
        assertEquals(51 + 27 * 28 + 3 & 0xFF, fashion.test().pixel(1, 27 * 28 + 3));
    }

    @Test
    void loadsPlainOrGzippedFilesFromAFolder() throws IOException {
        Map<String, byte[]> files = smallFiles();
        assertSmall(FashionMnist.load(DatasetFiles.folder(dir.resolve("plain"), files)));
        Map<String, byte[]> gzipped = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            gzipped.put(file.getKey() + ".gz", DatasetFiles.gzip(file.getValue()));
        }
        assertSmall(FashionMnist.load(DatasetFiles.folder(dir.resolve("gz"), gzipped)));
    }

    @Test
    void aMissingFileIsNamed() throws IOException {
        Map<String, byte[]> files = smallFiles();
        files.remove("t10k-labels-idx1-ubyte");
        Path folder = DatasetFiles.folder(dir.resolve("f"), files);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> FashionMnist.load(folder));
        assertTrue(e.getMessage().contains("expected t10k-labels-idx1-ubyte.gz or t10k-labels-idx1-ubyte"),
                e.getMessage());
        assertThrows(DatasetFormatException.class, () -> FashionMnist.load(dir.resolve("nowhere")));
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        Map<String, byte[]> files = smallFiles();
        files.put("train-labels-idx1-ubyte", DatasetFiles.idxLabels(2049, 2, 9, 0));
        Path folder = DatasetFiles.folder(dir.resolve("f"), files);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> FashionMnist.load(folder));
        assertEquals(folder.resolve("train-labels-idx1-ubyte").toString(), e.file());
        assertTrue(e.getMessage().contains("holds 2 labels but") && e.getMessage().contains("holds 3 images"),
                e.getMessage());
    }

    @Test
    void imagesMustBe28By28() throws IOException {
        Map<String, byte[]> files = smallFiles();
        files.put("t10k-images-idx3-ubyte", DatasetFiles.idxImages(2051, 2, 14, 56, pixels(2, 0)));
        Path folder = DatasetFiles.folder(dir.resolve("f"), files);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> FashionMnist.load(folder));
        assertTrue(e.getMessage().contains("images are 14×56, expected 28×28"), e.getMessage());
    }

    @Test
    void aBadMagicNumberOrLabelInTheFolderIsReported() throws IOException {
        Map<String, byte[]> files = smallFiles();
        files.put("train-images-idx3-ubyte", DatasetFiles.idxImages(2049, 3, 28, 28, pixels(3, 0)));
        DatasetFormatException magic = assertThrows(DatasetFormatException.class,
                () -> FashionMnist.load(DatasetFiles.folder(dir.resolve("magic"), files)));
        assertEquals(0, magic.offset());

        Map<String, byte[]> badLabel = smallFiles();
        badLabel.put("t10k-labels-idx1-ubyte", DatasetFiles.idxLabels(2049, 2, 1, 12));
        DatasetFormatException label = assertThrows(DatasetFormatException.class,
                () -> FashionMnist.load(DatasetFiles.folder(dir.resolve("label"), badLabel)));
        assertEquals(9, label.offset());
    }

    @Test
    void downloadsTheFourFilesIntoItsCacheFolder() throws Exception {
        DatasetCache cache = new DatasetCache(dir.resolve("cache"));
        List<RemoteFile> remotes = new ArrayList<>();
        try (LocalHttpServer server = LocalHttpServer.start()) {
            for (Map.Entry<String, byte[]> file : smallFiles().entrySet()) {
                String name = file.getKey() + ".gz";
                byte[] gz = DatasetFiles.gzip(file.getValue());
                server.serve("/" + name, gz);
                remotes.add(new RemoteFile(name, List.of(server.uri("/" + name)),
                        Checksum.md5(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(gz)))));
            }
            assertSmall(FashionMnist.load(cache, remotes));
            assertSmall(FashionMnist.load(cache, remotes));
            assertEquals(1, server.requests("/train-images-idx3-ubyte.gz"));
        }
        assertTrue(Files.isRegularFile(cache.folder().resolve("fashion-mnist/t10k-labels-idx1-ubyte.gz")));
    }

    @Test
    void withoutNetworkTheErrorSaysHowToPassTheFiles() throws Exception {
        IOException e = assertThrows(IOException.class,
                () -> FashionMnist.load(new DatasetCache(dir.resolve("cache")), unreachableOfficialFiles()));
        assertTrue(e.getMessage().contains("FashionMnist.load(Path)") && e.getMessage().contains("--data PATH"),
                e.getMessage());
    }

    @Test
    void theDefaultPrefersAnInstalledPackageToTheNetwork() throws Exception {
        List<RemoteFile> unreachable = unreachableOfficialFiles();
        DatasetCache cache = new DatasetCache(dir.resolve("cache"));
        Path installed = DatasetFiles.folder(dir.resolve("installed"), smallFiles());
        assertSmall(FashionMnist.load(installed, cache, unreachable));
        assertTrue(Files.notExists(cache.folder()), "nothing is downloaded when the package is installed");

        // An incomplete installation is not used: the download path runs (and here fails).
        Files.delete(installed.resolve("t10k-labels-idx1-ubyte"));
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(installed, cache, unreachable));
        assertTrue(e.getMessage().contains("Could not download"), e.getMessage());
    }

    /** The official files, each at a URL that refuses connections: no network. */
    private static List<RemoteFile> unreachableOfficialFiles() throws IOException {
        List<RemoteFile> unreachable = new ArrayList<>();
        for (RemoteFile official : FashionMnist.FILES) {
            unreachable.add(new RemoteFile(official.fileName(), List.of(LocalHttpServer.unreachable("/x")),
                    official.checksum()));
        }
        return unreachable;
    }

    @Test
    void theOfficialFilesAreDescribedWithTheirPublishedMd5() {
        assertEquals(List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz"), FashionMnist.FILES.stream().map(RemoteFile::fileName).toList());
        assertEquals(Checksum.md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d"), FashionMnist.FILES.get(0).checksum());
        assertEquals("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz",
                FashionMnist.FILES.get(0).urls().get(0).toString());
    }
}
