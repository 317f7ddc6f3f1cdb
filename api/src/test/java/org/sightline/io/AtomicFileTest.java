package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @Test
    void writtenFilesGetTheUsualPermissionsNotOwnerOnly(@TempDir Path dir) throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX only");
        Path ordinary = Files.write(dir.resolve("ordinary.bin"), new byte[] {1});
        Path atomic = dir.resolve("atomic.bin");
        AtomicFile.write(atomic, channel -> channel.write(ByteBuffer.wrap(new byte[] {2})));
        assertEquals(Files.getPosixFilePermissions(ordinary), Files.getPosixFilePermissions(atomic));
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path target = Files.write(dir.resolve("model.bin"), new byte[] {7, 7});
        assertThrows(IOException.class, () -> AtomicFile.write(target, channel -> {
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[] {7, 7}, Files.readAllBytes(target));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }
}
