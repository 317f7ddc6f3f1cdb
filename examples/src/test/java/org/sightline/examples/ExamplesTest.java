package org.sightline.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.data.Cifar10;
import org.sightline.data.ImageDataset;
import org.sightline.data.ImageFolder;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Shape;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.onnx.OnnxExporter;

/** The programmatic examples run as documented, on small budgets. */
class ExamplesTest {

    @Test
    void trainOnImageFolderLearnsTheFolderNamesAsClasses(@TempDir Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        for (String name : List.of("red", "blue")) {
            Path folder = Files.createDirectories(dir.resolve("photos").resolve(name));
            for (int i = 0; i < 20; i++) {
                BufferedImage image = new BufferedImage(24, 20, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 20; y++) {
                    for (int x = 0; x < 24; x++) {
                        int strong = 150 + random.nextInt(100);
                        int weak = random.nextInt(80);
                        image.setRGB(x, y, name.equals("red") ? strong << 16 | weak : weak << 16 | strong);
                    }
                }
                ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
            }
        }
        Path model = dir.resolve("out/model.safetensors");
        TrainOnImageFolder.main(new String[] {dir.resolve("photos").toString(), "16", "2", model.toString()});

        SavedModel saved = ModelFile.load(model);
        assertEquals(List.of("blue", "red"), saved.classNames(), "sorted sub-folder names");
        assertEquals(16, saved.model().inputShape().height());
    }

    static Path cifar10Archive() {
        Path root = Path.of(System.getProperty("sightline.projectRoot", "..")).toAbsolutePath().normalize();
        Path archive = root.resolve("../shared/datasets/cifar-10-jpeg75-binary.tar.gz").normalize();
        Assumptions.assumeTrue(Files.isRegularFile(archive), "The shared CIFAR-10 archive is not at " + archive);
        return archive;
    }

    @Test
    void tensorFlowTutorialSavesTheModelAndDrawsTheReport(@TempDir Path dir) throws Exception {
        TensorFlowTutorial.main(new String[] {cifar10Archive().toString(), "1", dir.toString(), "320"});

        SavedModel saved = ModelFile.load(dir.resolve("model.safetensors"));
        assertEquals(2_264_458, saved.model().totalParams());
        assertEquals(Cifar10.CLASS_NAMES, saved.classNames());
        for (String file : List.of("model.training.html", "model.training.loss.png", "model.training.accuracy.png",
                "model.training.confusion.png")) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file);
        }
    }

    @Test
    void writeImageFolderWritesTheTestImagesThatTheFolderLoaderReadsBack(@TempDir Path dir) throws Exception {
        Path archive = cifar10Archive();
        WriteImageFolder.main(new String[] {archive.toString(), dir.toString(), "30"});

        ImageDataset expected = Cifar10.load(archive).test().take(30);
        ImageDataset read = ImageFolder.load(dir, ImageFolder.Options.defaults().withClassNames(Cifar10.CLASS_NAMES));
        assertEquals(30, read.size());
        // The folder loader reads class by class; the file names keep each image's index in the test set.
        for (int i = 0; i < read.size(); i++) {
            String name = Path.of(read.source(i).orElseThrow()).getFileName().toString();
            int index = Integer.parseInt(name.substring(0, name.indexOf('.')));
            assertEquals(expected.label(index), read.label(i), name);
            byte[] want = new byte[expected.imageShape().size()];
            byte[] got = new byte[want.length];
            expected.copyImage(index, want, 0);
            read.copyImage(i, got, 0);
            assertArrayEquals(want, got, name + " is lossless");
        }
    }

    @Test
    void dl4jTutorialResumesFromItsCheckpoint(@TempDir Path dir) throws Exception {
        String archive = cifar10Archive().toString();
        Dl4jTutorial.main(new String[] {archive, "1", dir.toString(), "128"});
        assertEquals(2, Files.readAllLines(dir.resolve("history.csv")).size(), "header and epoch 1");

        Dl4jTutorial.main(new String[] {archive, "2", dir.toString(), "128"});
        List<String> history = Files.readAllLines(dir.resolve("history.csv"));
        assertEquals(3, history.size(), "the second start ran only epoch 2: " + history);
        assertTrue(history.get(2).startsWith("1,"), history.toString());
        assertTrue(ModelFile.load(dir.resolve("checkpoint.safetensors")).training().isPresent());
        assertTrue(Files.size(dir.resolve("model.safetensors")) > 0);
    }

    @Test
    void trainThenInferOnOnnxWritesAModelFileAndAnOnnxFile(@TempDir Path dir) throws Exception {
        TrainThenInferOnOnnx.main(new String[] {cifar10Archive().toString(), "256", dir.toString()});

        assertTrue(Files.size(dir.resolve("model.safetensors")) > 0);
        try (OnnxClassifier classifier = OnnxClassifier.open(dir.resolve("model.onnx"))) {
            assertEquals(Cifar10.CLASS_NAMES, classifier.classNames());
        }
    }

    @Test
    void classifyPhotosPrintsTheTopClassesOfEachPhotoFromAModelFileOrItsOnnxExport(@TempDir Path dir)
            throws Exception {
        SavedModel random = BackendConformanceTest.randomized(ReferenceModels.smallCnn(Shape.image(8, 8, 3), 3), 4);
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, SavedModel.of(random.model(), random.weights(), List.of("cat", "dog", "fox")));
        Path onnx = dir.resolve("model.onnx");
        OnnxExporter.write(ModelFile.load(model), onnx);
        Path small = dir.resolve("small.png");
        Path large = dir.resolve("large.png");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", small.toFile());
        BufferedImage photo = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        photo.setRGB(3, 4, 0xFF8040);
        ImageIO.write(photo, "png", large.toFile());

        String fromModel = printed(model, small, large);
        List<String> lines = fromModel.lines().toList();
        assertEquals(8, lines.size(), fromModel);
        assertEquals(large.toString(), lines.get(4));
        assertTrue(lines.get(5).matches("  (cat|dog|fox) +0\\.\\d{4}"), lines.get(5));
        assertEquals(fromModel, printed(onnx, small, large));
    }

    private static String printed(Path model, Path... photos) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String backend = System.getProperty("sightline.backend");
        System.setProperty("sightline.backend", "onnx");
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            String[] args = new String[photos.length + 1];
            args[0] = model.toString();
            for (int i = 0; i < photos.length; i++) {
                args[i + 1] = photos[i].toString();
            }
            ClassifyPhotos.main(args);
        } finally {
            System.setOut(original);
            if (backend == null) {
                System.clearProperty("sightline.backend");
            } else {
                System.setProperty("sightline.backend", backend);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
