package org.sightline.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or weights file that cannot be used: truncated, corrupt, not a Sightline model, or holding
 * weights that do not fit its model. The message always names the file and what is wrong with it.
 */
public class ModelFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public ModelFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that could not be used. */
    public Path file() {
        return file;
    }
}
