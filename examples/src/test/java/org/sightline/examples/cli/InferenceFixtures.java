package org.sightline.examples.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Shape;
import org.sightline.onnx.OnnxExporter;

/**
 * One small model in the three forms {@code predict} and {@code evaluate} read: a Sightline model file,
 * its ONNX export, and the export without Sightline's metadata, as another tool would write it.
 */
record InferenceFixtures(Path safetensors, Path onnx, Path foreign) {
    static final Shape SHAPE = Shape.image(8, 8, 3);
    static final List<String> CLASSES = List.of("cat", "dog", "fox");

    static InferenceFixtures write(Path dir) throws IOException {
        SavedModel random = BackendConformanceTest.randomized(ReferenceModels.smallCnn(SHAPE, CLASSES.size()), 17);
        SavedModel saved = SavedModel.of(random.model(), random.weights(), CLASSES);
        Path safetensors = dir.resolve("model.safetensors");
        ModelFile.save(safetensors, saved);
        Path onnx = Files.write(dir.resolve("model.onnx"), OnnxExporter.export(saved).toByteArray());
        Path foreign = Files.write(dir.resolve("foreign.onnx"),
                OnnxExporter.export(saved).toBuilder().clearMetadataProps().build().toByteArray());
        return new InferenceFixtures(safetensors, onnx, foreign);
    }

    /** An image of {@code SHAPE}'s size, or another, whose pixels depend on {@code seed}. */
    static Path image(Path file, int width, int height, int seed) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, ((x * 7 + y * 13 + seed * 31) * 0x010203) & 0xFFFFFF);
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
        return file;
    }
}
