package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.examples.cli.SightlineCliTest.run;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.inference.Predictor;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.train.Prediction;

/** {@code sightline spark predict} and {@code evaluate} end to end on local[2]. */
class SparkCommandTest {
    @TempDir
    Path dir;
    InferenceFixtures models;
    Path images;

    @BeforeEach
    void smallModelAndImages() throws Exception {
        models = InferenceFixtures.write(dir);
        images = dir.resolve("images");
        int seed = 0;
        for (String name : InferenceFixtures.CLASSES) {
            for (int i = 0; i < 4; i++) {
                InferenceFixtures.image(images.resolve(name).resolve(i + ".png"), 8, 8, seed++);
            }
        }
    }

    @Test
    void predictWritesParquetWithTheSingleProcessPredictionsAndAnErrorRow() throws Exception {
        Path corrupt = Files.writeString(images.resolve("cat").resolve("corrupt.png"), "not an image");
        Path out = dir.resolve("predictions");
        Result result = run("spark", "predict", "--master", "local[2]", "--model", models.onnx().toString(),
                "--images", images.toString(), "--out", out.toString(), "--batch-size", "5", "--top", "2");
        assertEquals(0, result.code(), result.err());
        assertEquals("Predicted 13 images (1 with an error) to " + out + " (parquet)\n", result.out());
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try (OnnxClassifier single = OnnxClassifier.open(models.onnx())) {
            List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
            assertEquals(13, rows.size());
            Predictor predictor = single.predictor(Predictor.Options.defaults().withTopK(2));
            for (Row row : rows) {
                Path file = Path.of(URI.create(row.getAs("path")));
                if (file.equals(corrupt)) {
                    assertEquals(row.getAs("path") + ": not an image (expected PNG, JPEG, BMP or GIF)",
                            row.getAs("error"));
                    continue;
                }
                assertNull(row.getAs("error"));
                Prediction expected = predictor.predict(file);
                assertEquals(expected.best().className(), row.getAs("predicted"));
                assertEquals(expected.best().probability(), (float) row.getAs("probability"), 1e-6);
                assertEquals(2, row.getList(row.fieldIndex("top_k")).size());
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void evaluatePrintsTheReportOfTheSingleProcessEvaluate() {
        Result single = run("evaluate", "--backend", "onnx", "--no-report", "--model", models.safetensors().toString(),
                "--dataset", "folder:" + images);
        assertEquals(0, single.code(), single.err());
        Result distributed = run("spark", "evaluate", "--master", "local[2]", "--model",
                models.safetensors().toString(), "--images", images.toString(), "--batch-size", "5");
        assertEquals(0, distributed.code(), distributed.err());
        String report = single.out().substring(0, single.out().indexOf("Scored"));
        assertEquals(report + "Scored 12 images of " + images + " on Spark (local[2])\n", distributed.out());
    }

    @Test
    void badOptionsAreRefusedBeforeSparkStartsAndLeaveAnExistingOutAsItWas() throws Exception {
        Path existing = Files.writeString(dir.resolve("existing"), "keep me");
        List<String[]> cases = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        String model = models.onnx().toString();
        cases.add(new String[] {"spark", "predict", "--model", model, "--images", images.toString(), "--out",
                existing.toString()});
        messages.add("sightline spark predict: --out " + existing + " already exists; give a new path (Spark writes a "
                + "folder there)");
        cases.add(new String[] {"spark", "predict", "--model", model, "--out", dir.resolve("o").toString()});
        messages.add("sightline spark predict: Give the images with --images DIR_OR_GLOB or --parquet FILE "
                + "--content-column COL");
        cases.add(new String[] {"spark", "predict", "--model", model, "--images", images.toString(), "--parquet",
                images.toString(), "--out", dir.resolve("o").toString()});
        messages.add("sightline spark predict: Give either --images or --parquet, not both");
        cases.add(new String[] {"spark", "predict", "--model", model, "--parquet", images.toString(), "--out",
                dir.resolve("o").toString()});
        messages.add("sightline spark predict: --parquet " + images + " needs --content-column, the binary column holding "
                + "the images' bytes");
        cases.add(new String[] {"spark", "predict", "--model", model, "--images", images.toString(),
                "--content-column", "png", "--out", dir.resolve("o").toString()});
        messages.add("sightline spark predict: --content-column is for --parquet; --images reads the files' bytes");
        cases.add(new String[] {"spark", "predict", "--model", model, "--images", dir.resolve("none").toString(),
                "--out", dir.resolve("o").toString()});
        messages.add("sightline spark predict: --images " + dir.resolve("none") + " does not exist; give a folder of "
                + "images or a glob pattern such as 'photos/*.jpg'");
        cases.add(new String[] {"spark", "predict", "--model", model, "--images", images.toString(), "--format",
                "csv", "--out", dir.resolve("o").toString()});
        messages.add("sightline spark predict: --format csv cannot hold the top_k column (a list of classes); use parquet, "
                + "json or orc");
        cases.add(new String[] {"spark", "predict", "--model", model, "--images", images.toString(), "--batch-size",
                "0", "--out", dir.resolve("o").toString()});
        messages.add("sightline spark predict: --batch-size must be > 0, got 0");
        cases.add(new String[] {"spark", "evaluate", "--model", dir.resolve("missing.onnx").toString(), "--images",
                images.toString()});
        messages.add("sightline spark evaluate: --model " + dir.resolve("missing.onnx") + " does not exist");
        for (int i = 0; i < cases.size(); i++) {
            Result result = run(cases.get(i));
            assertEquals(1, result.code(), String.join(" ", cases.get(i)));
            assertEquals(messages.get(i) + "\n", result.err());
        }
        assertEquals("keep me", Files.readString(existing));
        assertFalse(Files.exists(dir.resolve("o")));
    }

    @Test
    void topLargerThanTheModelsClassesIsRefusedNamingTheModel() {
        Result result = run("spark", "predict", "--master", "local[2]", "--model", models.onnx().toString(),
                "--images", images.toString(), "--top", "4", "--out", dir.resolve("o").toString());
        assertEquals(1, result.code());
        assertEquals("sightline spark predict: --top must be between 1 and 3 (the classes of " + models.onnx() + "), got 4\n",
                result.err());
        assertTrue(Files.notExists(dir.resolve("o")));
    }
}
