package org.sightline.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder where downloaded datasets are kept, as Keras keeps them under {@code ~/.keras/datasets}.
 * A file is downloaded once, checked against its published checksum, and used from the cache
 * afterwards; a cached copy whose checksum is wrong is never trusted but downloaded again.
 * Downloads go to a temporary file in the cache folder that is renamed into place only once
 * complete and verified, so an interrupted or corrupt download leaves nothing behind.
 *
 * <p>The folder is, in order of precedence: the one given to {@link #DatasetCache(Path)}, the
 * system property {@value #FOLDER_PROPERTY}, the environment variable {@value #FOLDER_ENV},
 * {@code ~/.sightline/datasets}.
 *
 * <pre>{@code
 * Path archive = DatasetCache.standard().fetch(
 *         RemoteFile.of("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
 *                 Checksum.md5("c32a1d4ab5d03f1284b67883e8d87530")),
 *         "Cifar10.load(Path)");
 * }</pre>
 */
public final class DatasetCache {
    /** System property naming the cache folder. */
    public static final String FOLDER_PROPERTY = "sightline.cache";
    /** Environment variable naming the cache folder, when the system property is not set. */
    public static final String FOLDER_ENV = "SIGHTLINE_CACHE";

    private static final Logger LOG = LoggerFactory.getLogger(DatasetCache.class);
    /** A progress line at most this often, so a 170 MB download logs a few dozen lines, not thousands. */
    private static final long PROGRESS_INTERVAL_NANOS = Duration.ofSeconds(5).toNanos();

    private final Path folder;
    private HttpClient client;

    /** A cache in {@code folder}, created on first use. */
    public DatasetCache(Path folder) {
        this.folder = Objects.requireNonNull(folder, "folder").toAbsolutePath().normalize();
    }

    /** The cache folder chosen by system property, environment variable or the default. */
    public static DatasetCache standard() {
        return new DatasetCache(defaultFolder(System.getProperty(FOLDER_PROPERTY), System.getenv(FOLDER_ENV),
                System.getProperty("user.home")));
    }

    static Path defaultFolder(String property, String environment, String home) {
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        if (environment != null && !environment.isBlank()) {
            return Path.of(environment);
        }
        return Path.of(home, ".sightline", "datasets");
    }

    public Path folder() {
        return folder;
    }

    /**
     * The verified local copy of {@code file}: from the cache when its checksum matches,
     * downloaded otherwise.
     *
     * @param localAlternative how a caller loads a local copy instead, for the error message when
     *                         every download fails (e.g. {@code "Cifar10.load(Path)"})
     * @throws IOException when no location gives a complete file with the right checksum; the
     *                     message lists each location's failure and how to pass a local copy
     */
    public Path fetch(RemoteFile file, String localAlternative) throws IOException {
        Files.createDirectories(folder);
        Path target = folder.resolve(file.fileName());
        if (Files.isRegularFile(target)) {
            String actual = file.checksum().digestOf(target);
            if (actual.equals(file.checksum().hex())) {
                LOG.debug("Using cached {}", target);
                return target;
            }
            LOG.warn("Cached {} has {} {} instead of {}; deleting it and downloading again", target,
                    file.checksum().algorithm(), actual, file.checksum().hex());
            Files.delete(target);
        }
        List<String> failures = new ArrayList<>();
        IOException last = null;
        for (URI url : file.urls()) {
            try {
                download(url, target, file.checksum());
                return target;
            } catch (IOException e) {
                LOG.warn("Download failed: {}", e.getMessage());
                failures.add(e.getMessage());
                last = e;
            }
        }
        throw new IOException("Could not download " + file.fileName() + ": " + String.join("; ", failures)
                + ". Without network access, download it on another machine and pass the local copy:"
                + " --data PATH on the sightline command line, or " + localAlternative + " in code", last);
    }

    /**
     * Moves a freshly built folder (an extraction) to {@code name} in the cache in one rename, so
     * that a folder of that name is always complete. When another process got there first, its
     * folder is kept and {@code built} is deleted.
     */
    Path publishFolder(Path built, String name) throws IOException {
        Path target = folder.resolve(name);
        try {
            Files.move(built, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            // Linux reports a non-empty target as a plain "Directory not empty", not a typed exception.
            if (!Files.isDirectory(target)) {
                throw e;
            }
            deleteRecursively(built);
        }
        return target;
    }

    /** A new empty folder inside the cache, on the same file system as the final location. */
    Path newTemporaryFolder(String prefix) throws IOException {
        Files.createDirectories(folder);
        return Files.createTempDirectory(folder, "." + prefix + ".");
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void download(URI url, Path target, Checksum checksum) throws IOException {
        LOG.info("Downloading {} to {}", url, target);
        HttpResponse<InputStream> response;
        try {
            response = client().send(HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(1)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while downloading " + url);
        } catch (IOException e) {
            throw new IOException(url + ": " + describe(e), e);
        }
        Path temporary = Files.createTempFile(folder, "." + target.getFileName(), ".part");
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException(url + ": server answered HTTP " + response.statusCode());
            }
            long expectedLength = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            MessageDigest digest = checksum.algorithm().newDigest();
            long received = copy(url, body, temporary, digest, expectedLength);
            if (expectedLength >= 0 && received != expectedLength) {
                throw new IOException(url + ": download truncated, got " + received + " of " + expectedLength
                        + " bytes");
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(checksum.hex())) {
                throw new IOException(url + ": checksum mismatch, expected " + checksum + " but the " + received
                        + " bytes downloaded have " + checksum.algorithm() + " " + actual + "; discarded");
            }
            moveIntoPlace(temporary, target);
            LOG.info("Downloaded {} ({} bytes, {} verified)", target.getFileName(), received, checksum.algorithm());
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static long copy(URI url, InputStream body, Path temporary, MessageDigest digest, long expectedLength)
            throws IOException {
        byte[] buffer = new byte[DataFiles.BUFFER_SIZE];
        long received = 0;
        long start = System.nanoTime();
        long lastReport = start;
        try (OutputStream out = Files.newOutputStream(temporary)) {
            for (int n; (n = body.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                digest.update(buffer, 0, n);
                received += n;
                long now = System.nanoTime();
                if (now - lastReport >= PROGRESS_INTERVAL_NANOS) {
                    lastReport = now;
                    LOG.info("{}: {} MB{} at {} MB/s", url, mb(received),
                            expectedLength > 0 ? " of " + mb(expectedLength) + " (" + 100 * received / expectedLength
                                    + "%)" : "",
                            mb((long) (received / ((now - start) / 1e9))));
                }
            }
        } catch (IOException e) {
            throw new IOException(url + ": connection broke after " + received
                    + (expectedLength >= 0 ? " of " + expectedLength : "") + " bytes: " + describe(e), e);
        }
        return received;
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // The temporary file lives in the same folder, so this only happens on exotic file systems.
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Network exceptions often carry no message, or only a host name; say what happened. */
    private static String describe(IOException e) {
        String message = e.getMessage() == null || e.getMessage().isBlank() ? "" : " (" + e.getMessage() + ")";
        if (e instanceof ConnectException) {
            return "cannot connect" + message;
        }
        if (e instanceof UnknownHostException) {
            return "unknown host" + message;
        }
        if (e instanceof HttpTimeoutException) {
            return "timed out" + message;
        }
        return message.isEmpty() ? e.getClass().getSimpleName() : e.getMessage();
    }

    private synchronized HttpClient client() {
        if (client == null) {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(30));
            // Honours -Dhttps.proxyHost and friends, which the client ignores unless given a selector.
            ProxySelector proxies = ProxySelector.getDefault();
            if (proxies != null) {
                builder.proxy(proxies);
            }
            client = builder.build();
        }
        return client;
    }
}
