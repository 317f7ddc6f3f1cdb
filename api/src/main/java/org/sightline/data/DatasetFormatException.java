package org.sightline.data;

import java.io.IOException;

/**
 * A dataset file whose content is not what its format promises: a truncated record, a label out of
 * range, a wrong magic number, a missing member of an archive. The message names the file and,
 * where there is one, the byte offset of the problem (in the uncompressed content for gzip files).
 */
public class DatasetFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;
    private final String problem;

    /**
     * @param file    the file (or archive member) at fault, as the user would find it
     * @param offset  the byte offset of the problem, or -1 where the problem has no position
     * @param problem what is wrong, with the values found and expected
     */
    public DatasetFormatException(String file, long offset, String problem) {
        super(file + (offset >= 0 ? " at byte offset " + offset : "") + ": " + problem);
        this.file = file;
        this.offset = offset;
        this.problem = problem;
    }

    /** The file or archive member at fault. */
    public String file() {
        return file;
    }

    /** What is wrong, without the file and offset. */
    public String problem() {
        return problem;
    }

    /** The byte offset of the problem, or -1 where it has no position. */
    public long offset() {
        return offset;
    }
}
