package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sightline.data.ImageDataset;
import org.sightline.examples.report.HistoryCsv;
import org.sightline.examples.report.TrainingReport;
import org.sightline.inference.ScoredImage;
import org.sightline.io.AtomicFile;
import org.sightline.spi.Capability;
import org.sightline.train.EpochMetrics;
import org.sightline.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Evaluates a model file on a dataset's test images. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Evaluate a model file on the test set: accuracy, loss, per-class precision and recall, "
                + "confusion matrix. Writes plots and an HTML page next to the model (OUT with .evaluation.html), "
                + "with the training curves when the history CSV is there.",
                "A Keras file (.h5, .keras, model.json) is run as it is: its outputs take the dataset's class names "
                        + "unless --classes names them, its inputs are pixels / 255 unless --scale, --mean and "
                        + "--std say otherwise; the first line says which."})
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    DatasetOptions datasetOptions;

    @Mixin
    InferenceModelOptions modelOptions;

    @Option(names = "--batch-size", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate the first N test images only.")
    Integer limit;

    @Option(names = "--no-report", description = "Do not write the plots and the HTML report next to the model.")
    boolean noReport;

    @Option(names = "--predictions", paramLabel = "FILE.csv",
            description = "Also write one row per scored image: index,path,label,predicted,probability (the path "
                    + "is empty for archive datasets; label and predicted are class names).")
    Path predictionsFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        validate();
        datasetOptions.validate();
        backendOptions.backend(Capability.INFER);
        modelOptions.validate();
        requirePredictionsBesideTheModel();
        ImageDataset test = null;
        Optional<ImportOptions.ClassNames> datasetNames = Optional.empty();
        if (modelOptions.needsClassNames()) {
            // A Keras file records no class names: the dataset's, in its label order, name the outputs.
            test = datasetOptions.evaluationSet(List.of(), limit);
            datasetNames = Optional.of(new ImportOptions.ClassNames(test.classNames(),
                    "the dataset " + datasetOptions.describe()));
        }
        try (InferenceModelOptions.Opened model = modelOptions.open(backendOptions, datasetNames)) {
            model.assumptions().ifPresent(out::println);
            if (test == null) {
                test = datasetOptions.evaluationSet(model.classifier().classNames(), limit);
            }
            List<ScoredImage> scored = new ArrayList<>();
            Evaluation evaluation = model.classifier().evaluate(test, batchSize,
                    predictionsFile == null ? image -> { } : scored::add);
            out.print(evaluation.report());
            out.printf(Locale.ROOT, "Scored %,d images of %s%n", test.size(), datasetOptions.describeEvaluationSet());
            if (predictionsFile != null) {
                writePredictions(test, scored);
                out.printf("Predictions: %s%n", predictionsFile);
            }
            if (!noReport) {
                Path absolute = modelOptions.modelFile.toAbsolutePath();
                Path history = TrainCommand.sibling(absolute, ".history.csv");
                List<EpochMetrics> epochs = Files.exists(history) ? HistoryCsv.read(history) : List.of();
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("backend", model.runtime() + " (" + backendOptions.device() + ")");
                settings.put("model file", absolute.toString());
                settings.put("dataset", datasetOptions.describe());
                settings.put("test images", String.format(Locale.ROOT, "%,d of %s", test.size(), test.imageShape()));
                settings.put("batch size", Integer.toString(batchSize));
                settings.put("training history", epochs.isEmpty() ? "none next to the model" : history.toString());
                TrainingReport.Written written = new TrainingReport("Evaluation on " + model.runtime(), settings,
                        epochs, evaluation).write(absolute.getParent(), TrainCommand.reportName(absolute, "evaluation"));
                out.printf("%nReport: %s%n", written.html());
            }
        }
        return 0;
    }

    /** Checks the options of this command before any data or model is loaded. */
    private void validate() {
        TrainCommand.requirePositive("--batch-size", batchSize);
        if (limit != null) {
            TrainCommand.requirePositive("--limit", limit);
        }
        if (predictionsFile != null && Files.isDirectory(predictionsFile)) {
            throw new IllegalArgumentException("--predictions " + predictionsFile + " is a folder; give a file name "
                    + "such as predictions.csv");
        }
    }

    /** Checks that the predictions would not replace the model file (also through a link). */
    private void requirePredictionsBesideTheModel() throws IOException {
        if (predictionsFile != null && Files.exists(predictionsFile)
                && Files.isSameFile(predictionsFile, modelOptions.modelFile)) {
            throw new IllegalArgumentException("--predictions " + predictionsFile + " is the model file "
                    + modelOptions.modelFile + "; give another file name such as predictions.csv");
        }
    }

    /** One CSV row per scored image, written atomically: a failure leaves an existing file as it was. */
    private void writePredictions(ImageDataset test, List<ScoredImage> scored) throws IOException {
        StringBuilder csv = new StringBuilder("index,path,label,predicted,probability\n");
        List<String> names = test.classNames();
        for (ScoredImage image : scored) {
            csv.append(image.index()).append(',').append(csvField(test.source(image.index()).orElse(""))).append(',')
                    .append(csvField(names.get(image.label()))).append(',')
                    .append(csvField(names.get(image.predicted()))).append(',')
                    .append(String.format(Locale.ROOT, "%.6f", image.probability())).append('\n');
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(predictionsFile, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    /** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
    private static String csvField(String value) {
        return value.matches("[^,\"\r\n]*") ? value : '"' + value.replace("\"", "\"\"") + '"';
    }
}
