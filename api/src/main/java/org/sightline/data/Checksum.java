package org.sightline.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * The expected digest of a downloaded file, as published beside it: MD5 for the older datasets
 * (CIFAR-10, Fashion-MNIST), SHA-256 where a publisher gives one.
 *
 * <pre>{@code
 * Checksum.md5("c32a1d4ab5d03f1284b67883e8d87530").matches(Path.of("cifar-10-binary.tar.gz"))
 * }</pre>
 *
 * @param algorithm the digest algorithm
 * @param hex       the expected digest, lower-case hexadecimal
 */
public record Checksum(Algorithm algorithm, String hex) {

    /** The digest algorithms dataset publishers use. */
    public enum Algorithm {
        MD5("MD5", 16),
        SHA256("SHA-256", 32);

        private final String javaName;
        private final int bytes;

        Algorithm(String javaName, int bytes) {
            this.javaName = javaName;
            this.bytes = bytes;
        }

        /** A fresh digest of this algorithm. */
        public MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(javaName);
            } catch (NoSuchAlgorithmException e) {
                // Every Java platform must provide MD5 and SHA-256.
                throw new IllegalStateException(javaName + " missing from this Java runtime", e);
            }
        }

        @Override
        public String toString() {
            return javaName;
        }
    }

    public Checksum {
        Objects.requireNonNull(algorithm, "Checksum.algorithm");
        Objects.requireNonNull(hex, "Checksum.hex");
        hex = hex.toLowerCase(Locale.ROOT);
        if (hex.length() != 2 * algorithm.bytes || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw new IllegalArgumentException("Checksum.hex must be " + 2 * algorithm.bytes
                    + " hexadecimal digits for " + algorithm + ", got '" + hex + "'");
        }
    }

    public static Checksum md5(String hex) {
        return new Checksum(Algorithm.MD5, hex);
    }

    public static Checksum sha256(String hex) {
        return new Checksum(Algorithm.SHA256, hex);
    }

    /** The digest of {@code file} with this checksum's algorithm, lower-case hexadecimal. */
    public String digestOf(Path file) throws IOException {
        MessageDigest digest = algorithm.newDigest();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Whether {@code file}'s digest is the expected one. */
    public boolean matches(Path file) throws IOException {
        return hex.equals(digestOf(file));
    }

    @Override
    public String toString() {
        return algorithm + " " + hex;
    }
}
