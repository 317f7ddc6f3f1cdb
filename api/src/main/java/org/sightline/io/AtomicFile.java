package org.sightline.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a file all at once: the content goes to a temporary file in the same folder, is forced
 * to disk, then renamed over the target. A crash part-way leaves the previous file as it was (at
 * worst beside a stray hidden {@code .name.*.tmp} file); an exception part-way also removes the
 * temporary file.
 *
 * <pre>{@code
 * AtomicFile.write(path, channel -> channel.write(ByteBuffer.wrap(bytes)));
 * }</pre>
 */
public final class AtomicFile {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFile.class);

    /** Writes the whole content of the new file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFile() {
    }

    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        Files.createDirectories(folder);
        // Same folder as the target, so the rename never crosses file systems.
        // Not Files.createTempFile: its owner-only permissions would end up on the model file.
        Path temporary = folder.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        boolean renamed = false;
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                LOG.warn("{} does not support atomic renames; replacing {} non-atomically", folder, absolute);
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            renamed = true;
            syncFolder(folder);
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /** Makes the rename itself durable where the platform allows opening a folder (Linux, macOS). */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("Could not sync folder {}: {}", folder, e.toString());
        }
    }
}
