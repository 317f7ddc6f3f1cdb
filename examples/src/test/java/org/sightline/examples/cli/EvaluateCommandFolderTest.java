package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.examples.cli.SightlineCliTest.run;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

/** The dataset side of {@code evaluate}: what is scored, and against which labels. */
class EvaluateCommandFolderTest {
    static final List<String> CLASSES = List.of("airplane", "automobile", "ship");

    @TempDir
    Path dir;
    Path model;

    @BeforeEach
    void smallModel() throws Exception {
        Sequential spec = ReferenceModels.smallCnn(Shape.image(8, 8, 3), CLASSES.size());
        model = dir.resolve("model.safetensors");
        ModelFile.save(model, SavedModel.of(spec, BackendConformanceTest.randomized(spec, 5).weights(), CLASSES));
    }

    /** {@code perClass} 8×8 PNGs in each of {@code classes}' folders under {@code root}. */
    static Path folder(Path root, List<String> classes, int perClass) throws Exception {
        for (String name : classes) {
            Files.createDirectories(root.resolve(name));
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
                image.setRGB(i % 8, 0, 0xFFFFFF);
                ImageIO.write(image, "png", root.resolve(name).resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    private Result evaluate(Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--backend", "onnx", "--no-report",
                "--model", model.toString(), "--dataset", "folder:" + data));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @Test
    void aFolderIsScoredWhole() throws Exception {
        Path data = folder(dir.resolve("photos"), CLASSES, 4);
        Result result = evaluate(data);
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("Scored 12 images of folder:" + data + "\n"), result.out());
    }

    @Test
    void validationSplitScoresThePartTrainingHeldOut() throws Exception {
        Path data = folder(dir.resolve("photos"), CLASSES, 4);
        Result result = evaluate(data, "--validation-split", "0.25");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("Scored 3 images of folder:" + data
                + " (the 25% held out by --validation-split 0.25)"), result.out());
    }

    @Test
    void classFoldersThatDifferFromTheModelsClassesAreRefused() throws Exception {
        Path data = folder(dir.resolve("photos"), List.of("automobile", "plane", "ship"), 2);
        Result result = evaluate(data);
        assertEquals(1, result.code(), result.out());
        assertTrue(result.err().contains("sightline evaluate: " + data + ": class folders [automobile, plane, ship]"
                + " differ from the expected class names [airplane, automobile, ship]: no folder for"
                + " [airplane]; unexpected folders [plane]"), result.err());
    }

    @Test
    void validationSplitIsCheckedWithItsOptionName() throws Exception {
        Path data = folder(dir.resolve("photos"), CLASSES, 1);
        for (String bad : new String[] {"0", "1", "1.5", "-0.2", "NaN"}) {
            Result result = evaluate(data, "--validation-split", bad);
            assertEquals(1, result.code(), bad);
            assertTrue(result.err().contains("--validation-split must be between 0 and 1 (exclusive), got " + bad),
                    result.err());
        }
        Result cifar = run("evaluate", "--model", model.toString(), "--dataset", "cifar10", "--validation-split",
                "0.2");
        assertEquals(1, cifar.code());
        assertTrue(cifar.err().contains("--validation-split applies to folder:PATH datasets only; cifar10 has its"
                + " own test set"), cifar.err());
    }

    @Test
    void aSplitThatLeavesNoImagesOnOneSideIsRefused() throws Exception {
        Path data = folder(dir.resolve("photos"), CLASSES, 1);
        Result result = evaluate(data, "--validation-split", "0.1");
        assertEquals(1, result.code(), result.out());
        assertTrue(result.err().contains("--validation-split 0.1 of the 3 images in folder:" + data
                + " holds out 0 images and keeps 3; both parts must have at least one image"), result.err());
    }
}
