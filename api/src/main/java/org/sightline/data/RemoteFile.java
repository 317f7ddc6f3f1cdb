package org.sightline.data;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * A published dataset file: the name it gets in the cache, where to download it (mirrors tried
 * in order) and the checksum its publisher gives.
 *
 * @param fileName the file's name in the cache folder, without any folder
 * @param urls     the download locations, first choice first
 * @param checksum the published digest; a download or cached copy that differs is refused
 */
public record RemoteFile(String fileName, List<URI> urls, Checksum checksum) {

    public RemoteFile {
        Objects.requireNonNull(fileName, "RemoteFile.fileName");
        Objects.requireNonNull(checksum, "RemoteFile.checksum");
        urls = List.copyOf(urls);
        if (fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
            throw new IllegalArgumentException("RemoteFile.fileName must be a plain file name, got '" + fileName + "'");
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("RemoteFile.urls must name at least one location for " + fileName);
        }
    }

    /** A file with one download location. */
    public static RemoteFile of(String url, Checksum checksum) {
        URI uri = URI.create(url);
        String path = uri.getPath();
        return new RemoteFile(path.substring(path.lastIndexOf('/') + 1), List.of(uri), checksum);
    }
}
