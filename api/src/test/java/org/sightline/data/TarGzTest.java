package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzTest {
    @TempDir
    Path dir;

    private static Map<String, byte[]> files() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("b.bin", new byte[] {1, 2, 3});
        files.put("sub/a.txt", "hello".getBytes());
        files.put("empty", new byte[0]);
        return files;
    }

    @Test
    void streamsEachRegularFileInArchiveOrder() throws IOException {
        Path archive = DatasetFiles.tarGz(dir.resolve("x.tar.gz"), "top", files());
        List<String> seen = new ArrayList<>();
        TarGz.forEachFile(archive, (name, size, content) -> {
            byte[] bytes = content.readAllBytes();
            assertEquals(size, bytes.length);
            assertArrayEquals(files().get(name.substring(4)), bytes);
            seen.add(name);
        });
        assertEquals(List.of("top/b.bin", "top/sub/a.txt", "top/empty"), seen);
    }

    @Test
    void extractsUnderTheDestination() throws IOException {
        Path archive = DatasetFiles.tarGz(dir.resolve("x.tar.gz"), "top", files());
        Path out = Files.createDirectories(dir.resolve("out"));
        TarGz.extract(archive, out);
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out.resolve("top/b.bin")));
        assertEquals("hello", Files.readString(out.resolve("top/sub/a.txt")));
        assertEquals(0, Files.size(out.resolve("top/empty")));
    }

    @Test
    void membersCannotEscapeTheDestination() throws IOException {
        Map<String, byte[]> evil = new LinkedHashMap<>();
        evil.put("../escaped.bin", new byte[] {1});
        Path archive = DatasetFiles.tarGz(dir.resolve("evil.tar.gz"), "", evil);
        Path out = Files.createDirectories(dir.resolve("out"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> TarGz.extract(archive, out));
        assertTrue(e.getMessage().contains("../escaped.bin"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("escaped.bin")));
    }

    @Test
    void aFileThatIsNotGzipIsNamed() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.tar.gz"), "just text");
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> TarGz.forEachFile(plain, (name, size, content) -> { }));
        assertEquals(plain.toString(), e.file());
    }

    @Test
    void aGzipThatIsNotATarIsNamed() throws IOException {
        Path gz = Files.write(dir.resolve("text.gz"), DatasetFiles.gzip("this is no tar header at all".getBytes()));
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> TarGz.forEachFile(gz, (name, size, content) -> { }));
        assertEquals(gz.toString(), e.file());
    }
}
