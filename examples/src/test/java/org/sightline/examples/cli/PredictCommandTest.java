package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.examples.cli.SightlineCliTest.Result;

class PredictCommandTest {
    @TempDir
    static Path dir;

    static InferenceFixtures models;
    static Path good;
    static Path other;

    @BeforeAll
    static void writeModelsAndImages() throws Exception {
        models = InferenceFixtures.write(dir);
        good = InferenceFixtures.image(dir.resolve("good.png"), 8, 8, 1);
        other = InferenceFixtures.image(dir.resolve("other.png"), 8, 8, 2);
    }

    @Test
    void aBadImageIsReportedAndTheOthersAreStillClassified() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
        Path large = InferenceFixtures.image(dir.resolve("large.png"), 12, 10, 3);
        Result result = SightlineCliTest.run("predict", "--backend", "onnx", "--model", models.safetensors().toString(),
                good.toString(), text.toString(), "absent.png", large.toString(), other.toString());
        assertEquals(1, result.code());
        List<String> lines = result.out().lines().toList();
        assertEquals(8, lines.size(), result.out());
        assertEquals(good.toString(), lines.get(0));
        assertEquals(other.toString(), lines.get(4));
        assertEquals(List.of(
                readError(text),
                "absent.png: no such image file",
                large + ": the image is 10x12 but the model takes 8x8 images; pass --resize to resize it",
                "sightline predict: 3 of 5 images could not be classified"), result.err().lines().toList());
    }

    @Test
    void topMustBeBetweenOneAndTheNumberOfClassesAndIsCheckedBeforeTheImages() {
        for (String top : List.of("0", "-1")) {
            Result result = SightlineCliTest.run("predict", "--top", top, "--model", models.safetensors().toString(),
                    "absent.png");
            assertEquals(1, result.code());
            assertEquals("sightline predict: --top must be at least 1, got " + top + "\n", result.err());
        }
        Result tooMany = SightlineCliTest.run("predict", "--backend", "onnx", "--top", "4", "--model",
                models.safetensors().toString(), "absent.png");
        assertEquals(1, tooMany.code());
        assertEquals("sightline predict: --top must be between 1 and 3 (the classes of " + models.safetensors()
                + "), got 4\n", tooMany.err());
    }

    @Test
    void onnxFilesAreClassifiedAsTheModelFileIs() throws Exception {
        Result expected = predict("--backend", "onnx", "--model", models.safetensors().toString());
        assertEquals(0, expected.code(), expected.err());
        assertTrue(expected.out().contains("  cat "), expected.out());
        assertEquals(expected.out(), predict("--model", models.onnx().toString()).out());
        // Recognised by its content, whatever its name.
        Path unnamed = Files.copy(models.onnx(), dir.resolve("model-export"));
        assertEquals(expected.out(), predict("--model", unnamed.toString()).out());
        Result named = predict("--model", models.foreign().toString(), "--classes", classes("cat", "dog", "fox"),
                "--scale", "1/255");
        assertEquals(expected.out(), named.out(), named.err());
    }

    @Test
    void foreignOnnxFilesTakeClassNamesScaleMeanAndStd() throws Exception {
        Result numbered = predict("--model", models.foreign().toString());
        assertEquals(0, numbered.code(), numbered.err());
        assertTrue(numbered.out().contains("  class_"), numbered.out());
        Result plain = predict("--model", models.foreign().toString(), "--top", "3");
        Result normalised = predict("--model", models.foreign().toString(), "--top", "3", "--mean", "0.5,0.4,0.3",
                "--std", "0.2,0.2,0.25");
        assertEquals(0, normalised.code(), normalised.err());
        assertNotEquals(plain.out(), normalised.out());
    }

    @Test
    void classesAndScaleThatContradictTheModelAreRefusedNamingBothSides() throws Exception {
        String two = classes("cat", "dog");
        Result count = predict("--model", models.foreign().toString(), "--classes", two);
        assertEquals(1, count.code());
        assertEquals("sightline predict: --classes " + two + " has 2 class names but " + models.foreign()
                + " has 3 outputs\n", count.err());

        String renamed = classes("lion", "wolf", "bear");
        Result names = predict("--model", models.onnx().toString(), "--classes", renamed);
        assertEquals(1, names.code());
        assertEquals("sightline predict: --classes " + renamed + " names [lion, wolf, bear] but " + models.onnx()
                + " records its own class names [cat, dog, fox]; leave --classes out\n", names.err());

        for (Path model : List.of(models.onnx(), models.safetensors())) {
            Result scale = predict("--backend", "onnx", "--model", model.toString(), "--scale", "1");
            assertEquals(1, scale.code());
            assertEquals("sightline predict: --scale 1 contradicts " + model + ", which records input scale "
                    + "0.003921569; leave --scale out\n", scale.err());
        }
        Result mean = predict("--model", models.onnx().toString(), "--mean", "0.5");
        assertEquals(1, mean.code());
        assertEquals("sightline predict: --mean and --std are for files that do not record their preprocessing; "
                + models.onnx() + " records input scale 0.003921569 with no mean or std\n", mean.err());
    }

    @Test
    void badPreprocessingOptionsAndModelPathsAreNamed() throws Exception {
        String empty = classes();
        String twice = classes("cat", "dog", "cat");
        List<List<String>> cases = List.of(
                List.of("--scale", "zero", "--model", models.foreign().toString()),
                List.of("--mean", "0.5,0.4", "--model", models.foreign().toString()),
                List.of("--std", "0,1,1", "--model", models.foreign().toString()),
                List.of("--backend", "tensorflow", "--model", models.onnx().toString()),
                List.of("--model", dir.toString()),
                List.of("--model", dir.resolve("absent.onnx").toString()),
                List.of("--classes", dir.resolve("absent.txt").toString(), "--model", models.foreign().toString()),
                List.of("--classes", empty, "--model", models.foreign().toString()),
                List.of("--classes", twice, "--model", models.foreign().toString()));
        List<String> messages = List.of(
                "--scale must be a positive number or a fraction such as 1/255, got 'zero'",
                "--mean must be three numbers R,G,B (or one for every channel), got '0.5,0.4'",
                "--std values must be > 0, got '0,1,1'",
                "--backend tensorflow cannot run " + models.onnx() + ": ONNX files run on ONNX Runtime; leave "
                        + "--backend out or pass --backend onnx",
                "--model " + dir + " is a folder, not a model file",
                "--model " + dir.resolve("absent.onnx") + " does not exist",
                "--classes " + dir.resolve("absent.txt") + " does not exist or is not a file",
                "--classes " + empty + " has no class names (one a line)",
                "--classes " + twice + " names 'cat' twice");
        for (int i = 0; i < cases.size(); i++) {
            Result result = predict(cases.get(i).toArray(String[]::new));
            assertEquals(1, result.code(), cases.get(i).toString());
            assertEquals("sightline predict: " + messages.get(i) + "\n", result.err());
        }
    }

    private static Result predict(String... options) {
        String[] args = new String[options.length + 3];
        args[0] = "predict";
        System.arraycopy(options, 0, args, 1, options.length);
        args[options.length + 1] = good.toString();
        args[options.length + 2] = other.toString();
        return SightlineCliTest.run(args);
    }

    private static String classes(String... names) throws Exception {
        Path file = Files.createTempFile(dir, "classes", ".txt");
        Files.writeString(file, String.join("\n", names) + "\n");
        return file.toString();
    }

    /** What the decoder says of a file that is not an image: its name, then the reason. */
    private static String readError(Path file) {
        try {
            org.sightline.data.DecodedImage.read(file, org.sightline.data.ColorMode.RGB);
        } catch (Exception e) {
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            return e.getMessage();
        }
        throw new AssertionError(file + " decoded");
    }
}
