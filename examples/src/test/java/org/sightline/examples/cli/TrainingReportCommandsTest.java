package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.examples.report.TrainingReportTest.assertPng;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.BackendConformanceTest;
import org.sightline.data.FashionMnist;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.examples.report.HistoryCsv;
import org.sightline.examples.report.TrainingReport;
import org.sightline.io.ModelFile;
import org.sightline.model.ReferenceModels;

/** {@code train} and {@code evaluate} on real Fashion-MNIST files, for a tiny budget, with their reports. */
class TrainingReportCommandsTest {
    /** Where the Debian package dataset-fashion-mnist installs the official files. */
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void trainWritesModelHistoryPlotsAndPageAndEvaluateAddsItsOwn(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz")),
                "Fashion-MNIST is not installed in " + FASHION_MNIST + "; apt-get install -y dataset-fashion-mnist");
        Path model = dir.resolve("run/model.safetensors");
        String[] train = {"train", "--backend", "tensorflow", "--dataset", "fashion-mnist", "--data",
                FASHION_MNIST.toString(), "--architecture", "small", "--epochs", "2", "--limit", "1000",
                "--test-limit", "500", "--out", model.toString()};
        Result trained = SightlineCliTest.run(train);
        assertEquals(0, trained.code(), trained.out() + trained.err());

        Path folder = model.getParent();
        assertTrue(Files.size(model) > 0);
        assertTrue(Files.isRegularFile(folder.resolve("model.checkpoint.safetensors")));
        assertEquals(2, HistoryCsv.read(folder.resolve("model.history.csv")).size());
        Path html = folder.resolve("model.training.html");
        assertTrue(trained.out().contains("Report: " + html), trained.out());
        assertPlots(folder, "model.training", true);
        String page = Files.readString(html);
        assertTrue(page.contains("<tr><th>backend</th><td>tensorflow (cpu)</td></tr>"), page);
        assertTrue(page.contains("<tr><th>epochs</th><td>2</td></tr>"), page);
        assertTrue(page.contains("<tr><th>batch size</th><td>64</td></tr>"), page);
        assertTrue(page.contains("<tr><th>seed</th><td>21</td></tr>"), page);
        assertTrue(page.contains("<td>T-shirt/top</td>"), "class names in the per-class table");

        // Resuming to 3 epochs: the report covers all three, not only the one just run.
        train[10] = "3";
        Result resumed = SightlineCliTest.run(concat(train, "--resume"));
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(Files.readString(html).contains("<tr><th>epochs</th><td>3</td></tr>"));
        assertEquals(3, Files.readString(html).split("<tr><td class=\"number\">", -1).length - 1,
                "three rows in the epochs table");

        Result evaluated = SightlineCliTest.run("evaluate", "--backend", "dl4j", "--dataset", "fashion-mnist",
                "--data", FASHION_MNIST.toString(), "--limit", "300", "--model", model.toString());
        assertEquals(0, evaluated.code(), evaluated.out() + evaluated.err());
        assertTrue(evaluated.out().contains("Report: " + folder.resolve("model.evaluation.html")), evaluated.out());
        assertPlots(folder, "model.evaluation", true);
        String evaluation = Files.readString(folder.resolve("model.evaluation.html"));
        assertTrue(evaluation.contains("<tr><th>backend</th><td>dl4j (cpu)</td></tr>"), evaluation);
        assertTrue(evaluation.contains("<tr><th>test images</th><td>300</td></tr>"), evaluation);
    }

    @Test
    void evaluateWithoutHistoryDrawsOnlyTheConfusionMatrixAndNoReportWritesNothing(@TempDir Path dir)
            throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FASHION_MNIST), "Fashion-MNIST is not installed");
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, BackendConformanceTest.randomized(ReferenceModels.smallCnn(FashionMnist.IMAGE_SHAPE, 10), 5));
        Result quiet = SightlineCliTest.run("evaluate", "--backend", "onnx", "--dataset", "fashion-mnist", "--data",
                FASHION_MNIST.toString(), "--limit", "100", "--no-report", "--model", model.toString());
        assertEquals(0, quiet.code(), quiet.err());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(model), files.toList());
        }

        Result result = SightlineCliTest.run("evaluate", "--backend", "onnx", "--dataset", "fashion-mnist", "--data",
                FASHION_MNIST.toString(), "--limit", "100", "--model", model.toString());
        assertEquals(0, result.code(), result.err());
        assertPlots(dir, "model.evaluation", false);
        assertTrue(Files.readString(dir.resolve("model.evaluation.html"))
                .contains("<tr><th>training history</th><td>none next to the model</td></tr>"));
    }

    private static void assertPlots(Path folder, String base, boolean curves) throws Exception {
        assertTrue(Files.isRegularFile(folder.resolve(base + ".html")), base + ".html");
        String page = Files.readString(folder.resolve(base + ".html"));
        assertPng(folder.resolve(base + ".confusion.png"), TrainingReport.CONFUSION_WIDTH,
                TrainingReport.CONFUSION_HEIGHT);
        assertTrue(page.contains("src=\"" + base + ".confusion.png\""), page);
        for (String curve : List.of(".loss.png", ".accuracy.png")) {
            Path png = folder.resolve(base + curve);
            assertEquals(curves, Files.exists(png), png.toString());
            assertEquals(curves, page.contains("src=\"" + base + curve + "\""), page);
            if (curves) {
                assertPng(png, TrainingReport.CURVE_WIDTH, TrainingReport.CURVE_HEIGHT);
            }
        }
    }

    private static String[] concat(String[] args, String extra) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = extra;
        return all;
    }
}
