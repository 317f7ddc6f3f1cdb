package org.sightline.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a file all at once: the content goes to a temporary file in the same folder, is forced
 * to disk, then renamed over the target. A crash part-way leaves the previous file as it was (at
 * worst beside a stray hidden {@code .name.<uuid>.tmp} file, which a later write of the same target
 * removes once it is 10 minutes old); an exception part-way also removes the
 * temporary file.
 *
 * <pre>{@code
 * AtomicFile.write(path, channel -> channel.write(ByteBuffer.wrap(bytes)));
 * }</pre>
 */
public final class AtomicFile {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFile.class);
    /** How long a temporary file must stand untouched before a later write removes it. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(10);
    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    /** Writes the whole content of the new file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * Writes {@code target} from {@code content}, first removing stale temporary files that earlier
     * interrupted writes of the same target left beside it.
     *
     * @throws IOException from {@code content} as it was thrown, or a {@link FileSystemException} whose
     *     {@linkplain #reason reason} is the operating system's ("Not a directory", "Is a directory",
     *     "Read-only file system")
     */
    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        try {
            Files.createDirectories(folder);
        } catch (FileAlreadyExistsException e) {
            // Only thrown when the folder exists as something else; say it as the operating system would.
            throw withCause(new FileSystemException(folder.toString(), null, "Not a directory"), e);
        }
        String name = absolute.getFileName().toString();
        removeStaleTemporaryFiles(folder, name);
        // Same folder as the target, so the rename never crosses file systems.
        // Not Files.createTempFile: its owner-only permissions would end up on the model file.
        Path temporary = folder.resolve("." + name + "." + UUID.randomUUID() + ".tmp");
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
            } catch (FileSystemException e) {
                // Name the target, not the temporary file the user never asked for.
                throw withCause(new FileSystemException(absolute.toString(), null, e.getReason()), e);
            }
            renamed = true;
            syncFolder(folder);
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /**
     * Why a write failed, in the operating system's words ("No space left on device", "Read-only
     * file system"), for messages that already name the file: a {@link FileSystemException}'s reason
     * without its paths, otherwise the exception's message.
     */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * Deletes the {@code .name.<uuid>.tmp} files of this target not modified for {@link #STALE_AFTER}.
     * A recent one may belong to another thread or process writing the same file right now: deleting
     * it would make that write fail (never corrupt the target, but fail), so it is left for a later
     * write. A writer keeps its file's modification time current while it writes, so an older one is
     * left over from a crash or a kill. A failed deletion never fails the write.
     */
    private static void removeStaleTemporaryFiles(Path folder, String name) {
        Pattern ours = Pattern.compile(Pattern.quote("." + name + ".") + UUID_PATTERN + Pattern.quote(".tmp"));
        Instant staleBefore = Instant.now().minus(STALE_AFTER);
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(folder,
                p -> ours.matcher(p.getFileName().toString()).matches())) {
            for (Path candidate : candidates) {
                try {
                    if (Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS)
                            && Files.getLastModifiedTime(candidate).toInstant().isBefore(staleBefore)) {
                        Files.deleteIfExists(candidate);
                        LOG.info("Removed {}, left by an interrupted write of {}", candidate, name);
                    }
                } catch (IOException e) {
                    LOG.debug("Could not remove stale temporary file {}: {}", candidate, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not list {} for stale temporary files: {}", folder, e.toString());
        }
    }

    private static FileSystemException withCause(FileSystemException e, IOException cause) {
        e.initCause(cause);
        return e;
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
