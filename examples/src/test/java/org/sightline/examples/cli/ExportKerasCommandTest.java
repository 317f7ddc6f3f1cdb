package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.io.ImportedModel;
import org.sightline.io.KerasModelFiles;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Shape;

class ExportKerasCommandTest {
    @TempDir
    Path dir;

    @Test
    void aModelFileBecomesAKerasArchiveWithTheSameWeights() throws Exception {
        SavedModel saved = BackendConformanceTest.randomized(ReferenceModels.resnet20(Shape.image(32, 32, 3), 10), 3);
        Path model = dir.resolve("resnet.safetensors");
        ModelFile.save(model, saved);
        Path out = dir.resolve("out/resnet.keras");

        Result result = SightlineCliTest.run("export-keras", model.toString(), out.toString());
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().startsWith("Wrote " + out.toAbsolutePath()), result.out());
        assertTrue(result.out().contains("model 'resnet20', 274,442 parameters; it takes pixels preprocessed as "
                + "scale 0.003921569 (as " + model + " records)"), result.out());
        ImportedModel read = KerasModelFiles.read(out);
        assertEquals(saved.model(), read.model());
        assertEquals(saved.weights(), read.weights());

        // And back: the archive is itself an input.
        Path again = dir.resolve("again.keras");
        assertEquals(0, SightlineCliTest.run("export-keras", out.toString(), again.toString()).code());
        assertEquals(saved.weights(), KerasModelFiles.read(again).weights());
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyWork() throws Exception {
        Path model = dir.resolve("m.safetensors");
        ModelFile.save(model, BackendConformanceTest.randomized(ReferenceModels.cifar10Cnn(), 4));
        byte[] bytes = Files.readAllBytes(model);
        Path wrong = dir.resolve("m.h5");
        Result result = SightlineCliTest.run("export-keras", model.toString(), wrong.toString());
        assertEquals(1, result.code());
        assertEquals("sightline export-keras: OUT " + wrong + " must end in .keras, the extension Keras 3's load_model "
                + "requires" + System.lineSeparator(), result.err());
        assertFalse(Files.exists(wrong));
        Result same = SightlineCliTest.run("export-keras", model.toString(), model.toString());
        assertEquals("sightline export-keras: " + model + " is the model file IN; write the .keras archive to another "
                + "file" + System.lineSeparator(), same.err());
        assertArrayEquals(bytes, Files.readAllBytes(model));
        Path absent = dir.resolve("absent.safetensors");
        assertEquals("sightline export-keras: IN " + absent + " does not exist" + System.lineSeparator(),
                SightlineCliTest.run("export-keras", absent.toString(), dir.resolve("x.keras").toString()).err());
    }
}
