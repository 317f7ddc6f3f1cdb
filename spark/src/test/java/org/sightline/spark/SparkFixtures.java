package org.sightline.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
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
 * A small model with random weights in the forms Spark ships (a Sightline model file, its ONNX export,
 * the export without metadata as another tool writes it) and image folders of its input size.
 */
record SparkFixtures(Path safetensors, Path onnx, Path foreign, Path images) {
    static final Shape SHAPE = Shape.image(8, 8, 3);
    static final List<String> CLASSES = List.of("cat", "dog", "fox");
    /** Images per class folder: small enough for a quick test, enough for several batches per partition. */
    static final int PER_CLASS = 12;

    static SparkFixtures write(Path dir, long seed) throws IOException {
        SavedModel random = BackendConformanceTest.randomized(ReferenceModels.smallCnn(SHAPE, CLASSES.size()), seed);
        SavedModel saved = SavedModel.of(random.model(), random.weights(), CLASSES);
        Path safetensors = dir.resolve("model.safetensors");
        ModelFile.save(safetensors, saved);
        Path onnx = Files.write(dir.resolve("model.onnx"), OnnxExporter.export(saved).toByteArray());
        Path foreign = Files.write(dir.resolve("foreign.onnx"),
                OnnxExporter.export(saved).toBuilder().clearMetadataProps().build().toByteArray());
        Path images = dir.resolve("images");
        int seedOfImage = 0;
        for (String name : CLASSES) {
            for (int i = 0; i < PER_CLASS; i++) {
                image(images.resolve(name).resolve(name + i + ".png"), SHAPE.width(), SHAPE.height(), seedOfImage++);
            }
        }
        return new SparkFixtures(safetensors, onnx, foreign, images);
    }

    /** A PNG whose pixels depend on {@code seed}. */
    static Path image(Path file, int width, int height, int seed) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, ((x * 7 + y * 13 + seed * 31) * 0x010203 + seed * 0x1F0B07) & 0xFFFFFF);
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    /** The local file of a path as Spark's file sources write it ({@code file:/...}). */
    static Path local(String sparkPath) {
        return Path.of(URI.create(sparkPath));
    }
}
