package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.examples.cli.SightlineCliTest.Result;

class SummaryCommandTest {
    @TempDir
    Path dir;

    /** A sparse file of {@code bytes} zero bytes: it takes no disk space. */
    private Path sparse(String name, long bytes) throws Exception {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(bytes);
        }
        return file;
    }

    private static void failsWith(String message, String... args) {
        Result result = SightlineCliTest.run(args);
        assertEquals(1, result.code(), result.err());
        assertEquals("sightline summary: " + message + System.lineSeparator(), result.err());
        assertEquals("", result.out());
    }

    @Test
    void aConfigLargerThan64MiBIsRefusedWithoutReadingIt() throws Exception {
        Path huge = sparse("huge.json", 5_000_000_000L);
        failsWith(huge + ": is 5,000,000,000 bytes, more than the 67,108,864 bytes (64 MiB) a Keras model config "
                + "may have", "summary", "--config", huge.toString());
    }

    @Test
    void aMissingConfigOrADirectoryIsNamed() {
        Path missing = dir.resolve("absent.json");
        failsWith(missing + ": no such config file", "summary", "--config", missing.toString());
        failsWith(dir + ": is a directory, expected a Keras model config file", "summary", "--config", dir.toString());
    }

    @Test
    void deeplyNestedJsonIsOneLine() throws Exception {
        Path nested = Files.writeString(dir.resolve("nested.json"), "[".repeat(100_000));
        Result result = SightlineCliTest.run("summary", "--config", nested.toString());
        assertEquals(1, result.code());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().startsWith("sightline summary: " + nested + ": not valid JSON"), result.err());
    }

    /**
     * An OutOfMemoryError in a real process: a 48 MiB config read with a 40 MiB heap (enough to start the
     * CLI, not to read the file). The CLI must say so in one line and exit 1, not print a stack trace.
     */
    @Test
    void runningOutOfMemoryIsOneLineAndExitCode1() throws Exception {
        Path big = sparse("big.json", 48L << 20);
        Path log = dir.resolve("out.txt");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx40m", "-cp", System.getProperty("java.class.path"), SightlineCli.class.getName(),
                "summary", "--config", big.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "summary did not finish in 60 s");
        String output = Files.readString(log);
        assertEquals(1, process.exitValue(), output);
        assertEquals("sightline summary: out of memory (Java heap space); raise the heap with -Xmx in "
                + "SIGHTLINE_JAVA_OPTS" + System.lineSeparator(), output);
    }

    @Test
    void aShapeTooLargeForATensorNamesTheFileAndTheLayer() throws Exception {
        Path config = Files.writeString(dir.resolve("wide.json"), "{\"class_name\": \"Sequential\", \"config\": "
                + "{\"layers\": [{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flat\", "
                + "\"batch_input_shape\": [null, 64, 64, 1]}}, {\"class_name\": \"Dense\", \"config\": "
                + "{\"name\": \"out\", \"units\": 1073741824}}]}}");
        failsWith(config + ": Dense 'out' (layer 1): weight 'kernel' [4096, 1073741824] has 4,398,046,511,104 values, "
                + "more than the 2,147,483,647 a tensor can hold", "summary", "--config", config.toString());
    }
}
