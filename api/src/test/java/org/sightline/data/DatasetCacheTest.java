package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCacheTest {
    private static final byte[] CONTENT = content(200_000);

    @TempDir
    Path dir;

    private LocalHttpServer server;
    private DatasetCache cache;

    @BeforeEach
    void start() throws IOException {
        server = LocalHttpServer.start();
        cache = new DatasetCache(dir.resolve("cache"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static byte[] content(int size) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 7 + i / 256);
        }
        return data;
    }

    private static Checksum md5(byte[] data) throws Exception {
        return Checksum.md5(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)));
    }

    private RemoteFile remote(String path, Checksum checksum) {
        return new RemoteFile("data.bin", List.of(server.uri(path)), checksum);
    }

    /** Everything in the cache folder, hidden temporary files included. */
    private List<String> cacheContents() throws IOException {
        if (!Files.exists(cache.folder())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cache.folder())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void downloadsVerifiesAndKeepsTheFile() throws Exception {
        server.serve("/data.bin", CONTENT);
        Path file = cache.fetch(remote("/data.bin", md5(CONTENT)), "Loader.load(Path)");
        assertEquals(cache.folder().resolve("data.bin"), file);
        assertArrayEquals(CONTENT, Files.readAllBytes(file));
        assertEquals(List.of("data.bin"), cacheContents(), "no temporary file left");
        assertEquals(1, server.requests("/data.bin"));
    }

    @Test
    void aVerifiedCachedFileIsNotDownloadedAgain() throws Exception {
        server.serve("/data.bin", CONTENT);
        cache.fetch(remote("/data.bin", md5(CONTENT)), "Loader.load(Path)");
        Path again = cache.fetch(remote("/data.bin", md5(CONTENT)), "Loader.load(Path)");
        assertEquals(1, server.requests("/data.bin"));
        assertArrayEquals(CONTENT, Files.readAllBytes(again));
    }

    @Test
    void aCachedFileWithAWrongChecksumIsDownloadedAgain() throws Exception {
        server.serve("/data.bin", CONTENT);
        Files.createDirectories(cache.folder());
        Files.write(cache.folder().resolve("data.bin"), content(1000));
        Path file = cache.fetch(remote("/data.bin", md5(CONTENT)), "Loader.load(Path)");
        assertEquals(1, server.requests("/data.bin"));
        assertArrayEquals(CONTENT, Files.readAllBytes(file));
    }

    @Test
    void aDownloadWithAWrongChecksumIsDiscarded() throws Exception {
        byte[] corrupt = CONTENT.clone();
        corrupt[12345] ^= 1;
        server.serve("/data.bin", corrupt);
        Checksum expected = md5(CONTENT);
        IOException e = assertThrows(IOException.class,
                () -> cache.fetch(remote("/data.bin", expected), "Loader.load(Path)"));
        assertTrue(e.getMessage().contains("checksum mismatch, expected " + expected), e.getMessage());
        assertTrue(e.getMessage().contains(md5(corrupt).hex()), e.getMessage());
        assertTrue(e.getMessage().contains(server.uri("/data.bin").toString()), e.getMessage());
        assertEquals(List.of(), cacheContents(), "nothing half-written or unverified left behind");
    }

    @Test
    void aWrongCachedFileIsNotKeptWhenTheDownloadAlsoFails() throws Exception {
        server.fail("/data.bin", 503);
        Files.createDirectories(cache.folder());
        Files.write(cache.folder().resolve("data.bin"), content(1000));
        assertThrows(IOException.class, () -> cache.fetch(remote("/data.bin", md5(CONTENT)), "Loader.load(Path)"));
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void aServerErrorNamesTheStatusAndHowToUseALocalCopy() throws Exception {
        server.fail("/data.bin", 500);
        IOException e = assertThrows(IOException.class,
                () -> cache.fetch(remote("/data.bin", md5(CONTENT)), "Loader.load(Path)"));
        assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
        assertTrue(e.getMessage().contains("--data PATH"), e.getMessage());
        assertTrue(e.getMessage().contains("Loader.load(Path)"), e.getMessage());
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void aTruncatedBodyLeavesNothingBehind() throws Exception {
        server.truncate("/data.bin", CONTENT, 70_000);
        IOException e = assertThrows(IOException.class,
                () -> cache.fetch(remote("/data.bin", md5(CONTENT)), "Loader.load(Path)"));
        assertTrue(e.getMessage().contains(server.uri("/data.bin").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--data PATH"), e.getMessage());
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void anUnreachableHostSaysHowToPassALocalCopy() throws Exception {
        URI nowhere = LocalHttpServer.unreachable("/data.bin");
        IOException e = assertThrows(IOException.class, () -> cache.fetch(
                new RemoteFile("data.bin", List.of(nowhere), md5(CONTENT)), "Cifar10.load(Path)"));
        assertTrue(e.getMessage().startsWith("Could not download data.bin: " + nowhere), e.getMessage());
        assertTrue(e.getMessage().contains("--data PATH on the sightline command line, or Cifar10.load(Path) in code"),
                e.getMessage());
        assertEquals(List.of(), cacheContents());
    }

    @Test
    void triesTheMirrorsInOrder() throws Exception {
        server.fail("/primary/data.bin", 404);
        server.serve("/mirror/data.bin", CONTENT);
        RemoteFile file = new RemoteFile("data.bin",
                List.of(server.uri("/primary/data.bin"), server.uri("/mirror/data.bin")), md5(CONTENT));
        assertArrayEquals(CONTENT, Files.readAllBytes(cache.fetch(file, "Loader.load(Path)")));
        assertEquals(1, server.requests("/primary/data.bin"));
        assertEquals(1, server.requests("/mirror/data.bin"));
    }

    @Test
    void everyMirrorsFailureIsReported() throws Exception {
        server.fail("/a/data.bin", 404);
        server.fail("/b/data.bin", 502);
        RemoteFile file = new RemoteFile("data.bin", List.of(server.uri("/a/data.bin"), server.uri("/b/data.bin")),
                md5(CONTENT));
        IOException e = assertThrows(IOException.class, () -> cache.fetch(file, "Loader.load(Path)"));
        assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("HTTP 502"), e.getMessage());
    }

    @Test
    void publishFolderMovesACompleteFolderIntoPlaceOnce() throws Exception {
        Path first = cache.newTemporaryFolder("set");
        Files.writeString(first.resolve("a.txt"), "first");
        Path published = cache.publishFolder(first, "set");
        assertEquals("first", Files.readString(published.resolve("a.txt")));
        assertFalse(Files.exists(first));

        Path second = cache.newTemporaryFolder("set");
        Files.writeString(second.resolve("a.txt"), "second");
        assertEquals(published, cache.publishFolder(second, "set"));
        assertEquals("first", Files.readString(published.resolve("a.txt")), "the folder already there is kept");
        assertEquals(List.of("set"), cacheContents());
    }

    @Test
    void folderComesFromPropertyThenEnvironmentThenHome() {
        assertEquals(Path.of("/p"), DatasetCache.defaultFolder("/p", "/e", "/home/u"));
        assertEquals(Path.of("/e"), DatasetCache.defaultFolder(null, "/e", "/home/u"));
        assertEquals(Path.of("/e"), DatasetCache.defaultFolder(" ", "/e", "/home/u"));
        assertEquals(Path.of("/home/u/.sightline/datasets"), DatasetCache.defaultFolder(null, null, "/home/u"));
        assertEquals(Path.of("/home/u/.sightline/datasets"), DatasetCache.defaultFolder("", "", "/home/u"));
    }

    @Test
    void standardCacheFollowsTheSystemProperty() {
        String before = System.getProperty(DatasetCache.FOLDER_PROPERTY);
        try {
            System.setProperty(DatasetCache.FOLDER_PROPERTY, dir.resolve("elsewhere").toString());
            assertEquals(dir.resolve("elsewhere"), DatasetCache.standard().folder());
        } finally {
            if (before == null) {
                System.clearProperty(DatasetCache.FOLDER_PROPERTY);
            } else {
                System.setProperty(DatasetCache.FOLDER_PROPERTY, before);
            }
        }
    }

    @Test
    void remoteFileNamesArePlainFileNames() {
        Checksum any = Checksum.md5("900150983cd24fb0d6963f7d28e17f72");
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile("../x", List.of(URI.create("http://h/x")),
                any));
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile(".x", List.of(URI.create("http://h/x")),
                any));
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile("x", List.of(), any));
        assertEquals("cifar-10-binary.tar.gz", RemoteFile.of("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                any).fileName());
    }
}
