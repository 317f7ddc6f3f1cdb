package org.sightline.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reading dataset files in bulk, with errors that name the file and the byte offset. Shared by the
 * binary loaders (CIFAR-10 records, IDX files) so that every truncation reads the same way.
 */
final class DataFiles {
    /** Large enough that a 30 MB batch file takes a few hundred reads, not millions. */
    static final int BUFFER_SIZE = 1 << 16;

    private DataFiles() {
    }

    /** Opens {@code file} buffered, gunzipping it when it starts with the gzip magic bytes. */
    static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER_SIZE);
        try {
            return isGzip(in) ? new GZIPInputStream(in, BUFFER_SIZE) : in;
        } catch (IOException e) {
            in.close();
            throw new DatasetFormatException(file.toString(), 0, "not a readable gzip file: " + e.getMessage());
        }
    }

    /** Whether a mark-supporting stream starts with 0x1f 0x8b; the stream is left unread. */
    static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == 0x1f && second == 0x8b;
    }

    /**
     * Reads exactly {@code length} bytes that start at {@code offset} of {@code source}. A short
     * file, or a compressed stream that breaks off, is reported at the offset where the data ends.
     *
     * @param what what the bytes are, for the message ("10000 labels")
     */
    static byte[] readExactly(String source, InputStream in, long offset, int length, String what)
            throws IOException {
        byte[] data = new byte[length];
        int got = 0;
        try {
            while (got < length) {
                int n = in.read(data, got, length - got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
        } catch (DatasetFormatException e) {
            throw e;
        } catch (IOException e) {
            // Inflaters and tar readers signal a cut-off archive with exceptions, not with -1.
            throw new DatasetFormatException(source, offset + got, "cannot read " + what + " after " + got + " of "
                    + length + " bytes: " + e.getMessage());
        }
        if (got < length) {
            throw new DatasetFormatException(source, offset + got, "file ends after " + got + " of the " + length
                    + " bytes of " + what);
        }
        return data;
    }

    /** Fails when {@code in} holds more bytes after {@code offset}, where the format says it ends. */
    static void expectEnd(String source, InputStream in, long offset) throws IOException {
        if (in.read() >= 0) {
            throw new DatasetFormatException(source, offset, "unexpected data after the end announced by the header");
        }
    }
}
