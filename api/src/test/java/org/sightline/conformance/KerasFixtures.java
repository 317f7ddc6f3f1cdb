package org.sightline.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.sightline.data.FashionMnist;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
import org.sightline.io.ImportedModel;
import org.sightline.io.KerasModelFiles;

/**
 * The real Keras-written model files the tests check Sightline's import against, listed with their
 * sources in {@code api/src/test/resources/keras/files/README.md}. The manifest ({@code fixtures.json})
 * and the reference probabilities are committed; the model files are other people's data, kept like the
 * datasets outside the project: in {@code ../shared/keras-fixtures} relative to the project root, or the
 * folder the system property {@code sightline.kerasFixtures} or the environment variable
 * {@code SIGHTLINE_KERAS_FIXTURES} names. A test needing an absent file is skipped; a file whose SHA-256
 * differs from the manifest's fails it.
 */
public final class KerasFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PROJECT = Path.of(System.getProperty("sightline.projectRoot", ".."))
            .toAbsolutePath().normalize();
    /** The committed part: manifest, README, reference.py and expected probabilities. */
    public static final Path COMMITTED = PROJECT.resolve("api/src/test/resources/keras/files");
    private static ImageDataset cifar10;
    private static ImageDataset fashionMnist;

    private KerasFixtures() {
    }

    /** Where the model files are looked for. */
    public static Path modelFolder() {
        String configured = System.getProperty("sightline.kerasFixtures", System.getenv("SIGHTLINE_KERAS_FIXTURES"));
        return configured != null ? Path.of(configured).toAbsolutePath()
                : PROJECT.resolve("../shared/keras-fixtures").normalize();
    }

    /** Every fixture of {@code fixtures.json}. */
    public static List<JsonNode> manifest() throws IOException {
        List<JsonNode> fixtures = new ArrayList<>();
        JSON.readTree(COMMITTED.resolve("fixtures.json").toFile()).forEach(fixtures::add);
        return fixtures;
    }

    /** The fixture's model read with its weights; the test is skipped when its files are absent. */
    public static ImportedModel read(JsonNode fixture) throws IOException {
        Path file = modelFile(fixture, fixture.get("file").asText());
        return fixture.hasNonNull("config")
                ? KerasModelFiles.read(file, modelFile(fixture, fixture.get("config").asText()))
                : KerasModelFiles.read(file);
    }

    /** One of the fixture's files, checked against the manifest's SHA-256 (a tfjs model's shards too). */
    public static Path modelFile(JsonNode fixture, String name) throws IOException {
        Path file = modelFolder().resolve(name);
        assumeTrue(Files.isRegularFile(file), "Keras fixture " + file + " is absent; see " + COMMITTED.resolve(
                "README.md") + " for where to get it");
        for (Map.Entry<String, JsonNode> digest : fixture.get("sha256").properties()) {
            if (digest.getKey().startsWith(name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : name)) {
                assertEquals(digest.getValue().asText(), sha256(modelFolder().resolve(digest.getKey())),
                        "SHA-256 of " + digest.getKey());
            }
        }
        return file;
    }

    /** How the fixture's model takes pixels: scale, and a mean and standard deviation where it has them. */
    public static PixelScaling scaling(JsonNode fixture) {
        double scale = fixture.get("scale").asDouble();
        if (!fixture.hasNonNull("mean")) {
            return (float) scale == (float) PixelScaling.SIGHTLINE.scale() ? PixelScaling.SIGHTLINE
                    : PixelScaling.of(scale);
        }
        return PixelScaling.of(scale, floats(fixture.get("mean")), floats(fixture.get("std")));
    }

    /** The test images the fixture's reference rows are for. */
    public static ImageDataset images(JsonNode fixture) throws IOException {
        return dataset(fixture.get("dataset").asText()).take(fixture.get("images").asInt());
    }

    /** The images as the model's input values. */
    public static float[] input(ImageDataset images, PixelScaling scaling) {
        int size = images.imageShape().size();
        float[] input = new float[images.size() * size];
        byte[] pixels = new byte[size];
        for (int i = 0; i < images.size(); i++) {
            images.copyImage(i, pixels, 0);
            System.arraycopy(scaling.apply(pixels, images.imageShape().channels()), 0, input, i * size, size);
        }
        return input;
    }

    /** The independent reference's probabilities, one row per image. */
    public static float[][] expected(JsonNode fixture) throws IOException {
        List<String> lines = Files.readAllLines(COMMITTED.resolve(fixture.get("expected").asText()),
                StandardCharsets.UTF_8).stream().filter(line -> !line.isBlank()).toList();
        float[][] rows = new float[lines.size()][];
        for (int i = 0; i < rows.length; i++) {
            String[] cells = lines.get(i).split(",");
            rows[i] = new float[cells.length];
            for (int c = 0; c < cells.length; c++) {
                rows[i][c] = Float.parseFloat(cells[c].strip());
            }
        }
        return rows;
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    private static synchronized ImageDataset dataset(String name) throws IOException {
        switch (name) {
            case "cifar10" -> {
                if (cifar10 == null) {
                    cifar10 = RealDataTrainingTest.cifar10OrSkip().test();
                }
                return cifar10;
            }
            case "fashion-mnist" -> {
                if (fashionMnist == null) {
                    assumeTrue(Files.isDirectory(FashionMnist.DEBIAN_PACKAGE_FOLDER), "Fashion-MNIST files absent at "
                            + FashionMnist.DEBIAN_PACKAGE_FOLDER + " (apt-get install dataset-fashion-mnist)");
                    fashionMnist = FashionMnist.load(FashionMnist.DEBIAN_PACKAGE_FOLDER).test();
                }
                return fashionMnist;
            }
            default -> throw new IllegalArgumentException("fixtures.json names dataset '" + name
                    + "'; expected cifar10 or fashion-mnist");
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            MessageDigest digest = ((DigestInputStream) in).getMessageDigest();
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
