package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sightline.data.ImageDataset;
import org.sightline.examples.report.HistoryCsv;
import org.sightline.examples.report.TrainingReport;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.train.EpochMetrics;
import org.sightline.train.Evaluation;
import org.sightline.train.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Evaluates a model file on a dataset's test images. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a model file on the test set: accuracy, loss, per-class precision and recall, "
                + "confusion matrix. Writes plots and an HTML page next to the model (OUT with .evaluation.html), "
                + "with the training curves when the history CSV is there.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    DatasetOptions datasetOptions;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model file (.safetensors).")
    Path modelFile;

    @Option(names = "--batch-size", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate the first N test images only.")
    Integer limit;

    @Option(names = "--no-report", description = "Do not write the plots and the HTML report next to the model.")
    boolean noReport;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        datasetOptions.validate();
        Backend backend = backendOptions.backend(Capability.INFER);
        try (Model model = Model.load(modelFile, backend, backendOptions.device())) {
            ImageDataset test = datasetOptions.evaluationSet(model.classNames(), limit);
            Evaluation evaluation = model.evaluate(test, batchSize);
            out.print(evaluation.report());
            out.printf(Locale.ROOT, "Scored %,d images of %s%n", test.size(), datasetOptions.describeEvaluationSet());
            if (!noReport) {
                Path absolute = modelFile.toAbsolutePath();
                Path history = TrainCommand.sibling(absolute, ".history.csv");
                List<EpochMetrics> epochs = Files.exists(history) ? HistoryCsv.read(history) : List.of();
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("backend", backend.name() + " (" + backendOptions.device() + ")");
                settings.put("model file", absolute.toString());
                settings.put("dataset", datasetOptions.describe());
                settings.put("test images", String.format(Locale.ROOT, "%,d of %s", test.size(), test.imageShape()));
                settings.put("batch size", Integer.toString(batchSize));
                settings.put("training history", epochs.isEmpty() ? "none next to the model" : history.toString());
                TrainingReport.Written written = new TrainingReport("Evaluation on " + backend.name(), settings,
                        epochs, evaluation).write(absolute.getParent(), TrainCommand.reportName(absolute, "evaluation"));
                out.printf("%nReport: %s%n", written.html());
            }
        }
        return 0;
    }
}
