package org.sightline.data;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import com.google.common.io.BaseEncoding;
import com.google.common.io.MoreFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
        MD5("MD5", md5()),
        SHA256("SHA-256", Hashing.sha256());

        private final String javaName;
        private final HashFunction function;

        Algorithm(String javaName, HashFunction function) {
            this.javaName = javaName;
            this.function = function;
        }

        /** Guava deprecates MD5 for security; here it only checks a publisher's MD5 sum against corruption. */
        @SuppressWarnings("deprecation")
        private static HashFunction md5() {
            return Hashing.md5();
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
        int digits = algorithm.function.bits() / 4;
        checkArgument(hex.length() == digits && BaseEncoding.base16().lowerCase().canDecode(hex),
                "Checksum.hex must be %s hexadecimal digits for %s, got '%s'", digits, algorithm, hex);
    }

    public static Checksum md5(String hex) {
        return new Checksum(Algorithm.MD5, hex);
    }

    public static Checksum sha256(String hex) {
        return new Checksum(Algorithm.SHA256, hex);
    }

    /** The digest of {@code file} with this checksum's algorithm, lower-case hexadecimal. */
    public String digestOf(Path file) throws IOException {
        return MoreFiles.asByteSource(file).hash(algorithm.function).toString();
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
