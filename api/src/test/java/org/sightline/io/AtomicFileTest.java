package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
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

    @Test
    void staleTemporaryFilesOfTheSameTargetAreRemovedOnItsNextWrite(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("model.bin");
        Path stale = Files.write(dir.resolve(".model.bin.0b8f2f6e-5c1a-4a8e-9a59-4c1f3e2d7b10.tmp"), new byte[] {1});
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        // Another writer of the same file, still at work: its temporary file is recent.
        Path live = Files.write(dir.resolve(".model.bin.9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f.tmp"), new byte[] {2});
        Path otherTarget = Files.write(dir.resolve(".model.bin.old.2d3c4b5a-6978-4a1b-8c2d-3e4f5a6b7c8d.tmp"),
                new byte[] {3});
        Path notOurs = Files.write(dir.resolve(".model.bin.notes.tmp"), new byte[] {4});
        for (Path path : List.of(otherTarget, notOurs)) {
            Files.setLastModifiedTime(path, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        }

        AtomicFile.write(target, channel -> channel.write(ByteBuffer.wrap(new byte[] {9})));

        assertFalse(Files.exists(stale), "the stale temporary file of model.bin is removed");
        assertTrue(Files.exists(live), "a recent temporary file may be another writer's: kept");
        assertTrue(Files.exists(otherTarget), "another target's temporary file is kept");
        assertTrue(Files.exists(notOurs), "a file that is no temporary file of ours is kept");
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(target));
    }

    @Test
    void aWriteThatCannotHappenKeepsTheOperatingSystemsReason(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("file"), new byte[] {1});
        IOException underFile = assertThrows(IOException.class,
                () -> AtomicFile.write(file.resolve("model.bin"), channel -> channel.write(ByteBuffer.allocate(1))));
        assertEquals("Not a directory", AtomicFile.reason(underFile));

        Path folder = Files.createDirectory(dir.resolve("model.bin"));
        IOException onFolder = assertThrows(IOException.class,
                () -> AtomicFile.write(folder, channel -> channel.write(ByteBuffer.allocate(1))));
        assertEquals("Is a directory", AtomicFile.reason(onFolder));
        assertTrue(Files.isDirectory(folder));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file is left");
        }
    }
}
