package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SightlineCliTest {

    /** Runs the CLI in-process, returning exit code, standard output and standard error. */
    static Result run(String... args) {
        CommandLine cli = SightlineCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    record Result(int code, String out, String err) {
    }

    @Test
    void summaryPrintsTheReferenceCounts() {
        Result result = run("summary");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("Total params: 2,264,458"));
        assertTrue(result.out().contains("Trainable params: 2,263,114"));
        assertTrue(result.out().contains("Non-trainable params: 1,344"));
    }

    @Test
    void summaryReadsAKerasConfigAndNamesABadOne(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("model.json");
        Files.writeString(config, "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"tiny\", \"layers\": ["
                + "{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten\", \"batch_input_shape\": "
                + "[null, 4, 4, 1]}},"
                + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"lstm\"}}]}}");
        Result result = run("summary", "--config", config.toString());
        assertEquals(1, result.code());
        assertTrue(result.err().contains("LSTM"), result.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"backends", "summary", "train", "evaluate", "predict"}) {
            Result result = run(command, "--help");
            assertEquals(0, result.code(), command);
            assertTrue(result.out().startsWith("Usage: sightline " + command), result.out());
        }
    }

    @Test
    void unknownBackendListsTheAvailableOnes() {
        Result result = run("evaluate", "--backend", "torch", "--model", "missing.safetensors", "--dataset",
                "fashion-mnist", "--data", "missing-folder");
        assertEquals(1, result.code());
        assertTrue(result.err().contains("Unknown backend 'torch'; available: "), result.err());
    }

    @Test
    void unknownDatasetIsNamed() {
        Result result = run("evaluate", "--model", "m.safetensors", "--dataset", "mnist");
        assertEquals(1, result.code());
        assertTrue(result.err().contains("Unknown dataset 'mnist'"), result.err());
    }
}
