package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.examples.cli.SightlineCliTest.Result;

class EvaluateCommandTest {
    @TempDir
    static Path dir;

    static InferenceFixtures models;
    static String folder;

    @BeforeAll
    static void writeModelsAndFolder() throws Exception {
        models = InferenceFixtures.write(dir);
        Path images = dir.resolve("images");
        for (int c = 0; c < InferenceFixtures.CLASSES.size(); c++) {
            for (int i = 0; i < 10; i++) {
                InferenceFixtures.image(images.resolve(InferenceFixtures.CLASSES.get(c)).resolve(i + ".png"), 8, 8,
                        c * 10 + i);
            }
        }
        folder = "folder:" + images;
    }

    @Test
    void onnxFilesScoreExactlyAsTheModelFileDoes() throws Exception {
        Result expected = evaluate("--backend", "onnx", "--model", models.safetensors().toString());
        assertEquals(0, expected.code(), expected.err());
        assertTrue(expected.out().contains("accuracy"), expected.out());
        Result own = evaluate("--model", models.onnx().toString());
        assertEquals(expected.out(), own.out(), own.err());
        Path classes = Files.write(dir.resolve("classes.txt"), InferenceFixtures.CLASSES);
        Result foreign = evaluate("--model", models.foreign().toString(), "--scale", "0.00392156862745098",
                "--classes", classes.toString());
        assertEquals(expected.out(), foreign.out(), foreign.err());
    }

    @Test
    void mixedBfloat16RunsOnTensorFlowAndIsRefusedWhereItCannotRun() {
        Result mixed = evaluate("--backend", "tensorflow", "--precision", "mixed_bfloat16", "--model",
                models.safetensors().toString());
        assertEquals(0, mixed.code(), mixed.err());
        assertTrue(mixed.out().contains("accuracy"), mixed.out());

        Result dl4j = evaluate("--backend", "dl4j", "--precision", "mixed_bfloat16", "--model",
                models.safetensors().toString());
        assertEquals(1, dl4j.code(), dl4j.out());
        assertTrue(dl4j.err().contains("Backend 'dl4j' cannot compute in mixed_bfloat16: it lacks capability "
                + "MIXED_BFLOAT16"), dl4j.err());
        Result onnx = evaluate("--precision", "mixed_bfloat16", "--model", models.onnx().toString());
        assertEquals(1, onnx.code(), onnx.out());
        assertTrue(onnx.err().contains("--precision mixed_bfloat16 cannot run " + models.onnx() + ": ONNX files run "
                + "on ONNX Runtime in float32"), onnx.err());
        Result unknown = evaluate("--precision", "float16", "--model", models.onnx().toString());
        assertEquals(2, unknown.code(), unknown.out());
        assertTrue(unknown.err().contains("Unknown precision 'float16', expected one of [float32, mixed_bfloat16]"),
                unknown.err());
    }

    @Test
    void aForeignModelWithoutClassNamesIsNotScoredAgainstFoldersByPosition() {
        Result result = evaluate("--model", models.foreign().toString(), "--scale", "0.00392156862745098");
        assertEquals(1, result.code());
        assertTrue(result.err().contains("class folders [cat, dog, fox] differ from the expected class names "
                + "[class_0, class_1, class_2]"), result.err());
    }

    @Test
    void predictionsAreWrittenOneRowPerScoredImageWithPathsAndClassNames() throws Exception {
        Path csv = dir.resolve("out/predictions.csv");
        Result result = evaluate("--model", models.onnx().toString(), "--predictions", csv.toString());
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("Predictions: " + csv), result.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("index,path,label,predicted,probability", lines.get(0));
        List<String> rows = lines.subList(1, lines.size());
        assertEquals(30, rows.size(), "every image of the folder is scored");
        List<String> correct = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String[] fields = rows.get(i).split(",", -1);
            assertEquals(5, fields.length, rows.get(i));
            assertEquals(Integer.toString(i), fields[0]);
            Path image = Path.of(fields[1]);
            assertTrue(Files.isRegularFile(image), fields[1]);
            assertEquals(image.getParent().getFileName().toString(), fields[2], "the label is the class folder");
            assertTrue(Set.copyOf(InferenceFixtures.CLASSES).contains(fields[3]), fields[3]);
            double probability = Double.parseDouble(fields[4]);
            assertTrue(probability >= 1.0 / 3 - 1e-6 && probability <= 1, fields[4]);
            if (fields[2].equals(fields[3])) {
                correct.add(fields[1]);
            }
        }
        String accuracy = String.format(java.util.Locale.ROOT, "%.4f", correct.size() / (double) rows.size());
        assertTrue(result.out().contains(accuracy), "the report's accuracy " + accuracy + " in " + result.out());
    }

    @Test
    void aFailedEvaluationLeavesAnExistingPredictionsFileAsItWas() throws Exception {
        Path csv = Files.writeString(dir.resolve("kept.csv"), "earlier results\n");
        Path classes = Files.writeString(dir.resolve("two.txt"), "cat\ndog\n");
        Result result = evaluate("--model", models.foreign().toString(), "--classes", classes.toString(),
                "--predictions", csv.toString());
        assertEquals(1, result.code());
        assertEquals("sightline evaluate: --classes " + classes + " has 2 class names but " + models.foreign()
                + " has 3 outputs\n", result.err());
        assertEquals("earlier results\n", Files.readString(csv));
    }

    @Test
    void batchSizeLimitAndPredictionsAreCheckedBeforeTheDataIsRead() {
        List<List<String>> cases = List.of(List.of("--batch-size", "0"), List.of("--batch-size", "-5"),
                List.of("--limit", "0"), List.of("--predictions", dir.toString()),
                List.of("--predictions", models.onnx().toString()));
        List<String> messages = List.of("--batch-size must be > 0, got 0",
                "--batch-size must be > 0, got -5", "--limit must be > 0, got 0",
                "--predictions " + dir + " is a folder; give a file name such as predictions.csv",
                "--predictions " + models.onnx() + " is the model file " + models.onnx()
                        + "; give another file name such as predictions.csv");
        for (int i = 0; i < cases.size(); i++) {
            List<String> args = new ArrayList<>(List.of("evaluate", "--dataset", "folder:" + dir.resolve("absent"),
                    "--model", models.onnx().toString()));
            args.addAll(cases.get(i));
            Result result = SightlineCliTest.run(args.toArray(String[]::new));
            assertEquals(1, result.code(), cases.get(i).toString());
            assertEquals("sightline evaluate: " + messages.get(i) + "\n", result.err());
        }
    }

    private static Result evaluate(String... options) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--dataset", folder, "--no-report"));
        args.addAll(List.of(options));
        return SightlineCliTest.run(args.toArray(String[]::new));
    }
}
