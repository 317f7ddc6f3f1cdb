package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksumTest {
    // Published test vectors for "abc" (RFC 1321, FIPS 180-2).
    private static final String MD5_ABC = "900150983cd24fb0d6963f7d28e17f72";
    private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path dir;

    @Test
    void digestsFilesWithMd5AndSha256() throws Exception {
        Path file = Files.writeString(dir.resolve("abc.txt"), "abc", StandardCharsets.US_ASCII);
        assertEquals(MD5_ABC, Checksum.md5(MD5_ABC).digestOf(file));
        assertEquals(SHA256_ABC, Checksum.sha256(SHA256_ABC).digestOf(file));
        assertTrue(Checksum.md5(MD5_ABC).matches(file));
        assertTrue(Checksum.sha256(SHA256_ABC).matches(file));
        assertFalse(Checksum.md5("00000000000000000000000000000000").matches(file));
    }

    @Test
    void digestsFilesLargerThanTheBuffer() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        Path file = Files.write(dir.resolve("big.bin"), data);
        String expected = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(data));
        assertTrue(Checksum.sha256(expected).matches(file));
    }

    @Test
    void acceptsUpperCaseHex() {
        assertEquals(MD5_ABC, Checksum.md5(MD5_ABC.toUpperCase()).hex());
    }

    @Test
    void rejectsDigestsOfTheWrongLengthOrAlphabet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checksum.md5(SHA256_ABC));
        assertTrue(e.getMessage().contains("32 hexadecimal digits for MD5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Checksum.sha256(MD5_ABC));
        assertThrows(IllegalArgumentException.class, () -> Checksum.md5("g00150983cd24fb0d6963f7d28e17f72"));
        assertThrows(NullPointerException.class, () -> Checksum.md5(null));
    }

    @Test
    void printsAlgorithmAndDigest() {
        assertEquals("MD5 " + MD5_ABC, Checksum.md5(MD5_ABC).toString());
        assertEquals("SHA-256 " + SHA256_ABC, Checksum.sha256(SHA256_ABC).toString());
    }
}
