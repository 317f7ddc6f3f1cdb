package org.sightline.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Streams the regular files of a {@code .tar.gz} archive, so a loader can parse them without
 * extracting to disk, and extracts archives into the cache when a dataset is downloaded.
 */
final class TarGz {

    /** Receives one regular file of the archive; {@code content} ends where the file ends. */
    interface FileVisitor {
        void visit(String name, long size, InputStream content) throws IOException;
    }

    private TarGz() {
    }

    /** Calls {@code visitor} for each regular file of {@code archive}, in archive order. */
    static void forEachFile(Path archive, FileVisitor visitor) throws IOException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), DataFiles.BUFFER_SIZE)) {
            if (!DataFiles.isGzip(file)) {
                throw new DatasetFormatException(archive.toString(), 0,
                        "not a .tar.gz archive (no gzip magic bytes 1f 8b)");
            }
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new GZIPInputStream(file, DataFiles.BUFFER_SIZE))) {
                boolean empty = true;
                for (TarArchiveEntry entry; (entry = nextEntry(archive, tar)) != null; ) {
                    empty = false;
                    if (entry.isFile()) {
                        visitor.visit(entry.getName(), entry.getSize(), tar);
                    }
                }
                if (empty) {
                    // The tar reader takes input shorter than one header for an empty archive.
                    throw new DatasetFormatException(archive.toString(), -1,
                            "holds no tar entries; expected a .tar.gz archive");
                }
            }
        }
    }

    private static TarArchiveEntry nextEntry(Path archive, TarArchiveInputStream tar) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new DatasetFormatException(archive.toString(), -1,
                    "not a complete .tar.gz archive: " + e.getMessage());
        }
    }

    /**
     * Extracts every regular file of {@code archive} under {@code destination}, refusing members
     * whose names would land outside it ("../x" or absolute names).
     */
    static void extract(Path archive, Path destination) throws IOException {
        Path root = destination.toAbsolutePath().normalize();
        forEachFile(archive, (name, size, content) -> {
            Path target = root.resolve(name).normalize();
            if (!target.startsWith(root) || target.equals(root)) {
                throw new DatasetFormatException(archive.toString(), -1,
                        "member '" + name + "' would be extracted outside " + root);
            }
            Files.createDirectories(target.getParent());
            long copied;
            try {
                copied = Files.copy(content, target);
            } catch (IOException e) {
                throw new DatasetFormatException(archive.toString(), -1,
                        "cannot extract member '" + name + "': " + e.getMessage());
            }
            if (copied != size) {
                throw new DatasetFormatException(archive.toString(), -1,
                        "member '" + name + "' has " + copied + " of its " + size + " bytes");
            }
        });
    }
}
