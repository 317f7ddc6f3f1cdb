package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.io.ModelFile;
import org.sightline.model.ReferenceModels;

class ExportOnnxCommandTest {
    @TempDir
    Path dir;
    private Path model;
    private byte[] modelBytes;

    @BeforeEach
    void saveModel() throws Exception {
        model = dir.resolve("m.safetensors");
        ModelFile.save(model, BackendConformanceTest.randomized(ReferenceModels.cifar10Cnn(), 4));
        modelBytes = Files.readAllBytes(model);
    }

    /** Runs export-onnx, expecting it to fail with exactly {@code message} and to leave the model as it was. */
    private void refused(Path out, String message) throws Exception {
        Result result = SightlineCliTest.run("export-onnx", "--model", model.toString(), "--out", out.toString());
        assertEquals(1, result.code(), result.err());
        assertEquals("sightline export-onnx: " + message + System.lineSeparator(), result.err());
        assertArrayEquals(modelBytes, Files.readAllBytes(model), "the model file was changed");
    }

    @Test
    void theModelFileItselfIsRefusedAsOutput() throws Exception {
        refused(model, "--out " + model + " is the --model file; write the ONNX model to another file");
        // The same file under another spelling.
        Path dotted = dir.resolve(".").resolve("m.safetensors");
        refused(dotted, "--out " + dotted + " is the --model file; write the ONNX model to another file");
    }

    @Test
    void linksToTheModelFileAreRefusedAsOutput() throws Exception {
        Path symbolic = Files.createSymbolicLink(dir.resolve("link.onnx"), model);
        refused(symbolic, "--out " + symbolic + " is the --model file; write the ONNX model to another file");
        Path hard = Files.createLink(dir.resolve("hard.onnx"), model);
        refused(hard, "--out " + hard + " is the --model file; write the ONNX model to another file");
        Path folderLink = Files.createSymbolicLink(dir.resolve("here"), dir);
        Path viaFolder = folderLink.resolve("m.safetensors");
        refused(viaFolder, "--out " + viaFolder + " is the --model file; write the ONNX model to another file");
    }

    @Test
    void anOutputThatIsNotOnnxIsRefusedBeforeAnyWork() throws Exception {
        Path other = dir.resolve("other.safetensors");
        refused(other, "--out " + other + " must end in .onnx, the extension of the ONNX file it writes");
        assertFalse(Files.exists(other));
        Path bare = dir.resolve("model");
        refused(bare, "--out " + bare + " must end in .onnx, the extension of the ONNX file it writes");
    }
}
