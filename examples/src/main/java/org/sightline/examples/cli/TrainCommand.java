package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sightline.data.Augmentation;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;
import org.sightline.examples.report.HistoryCsv;
import org.sightline.examples.report.TrainingReport;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.train.CompileOptions;
import org.sightline.train.CsvLogger;
import org.sightline.train.Evaluation;
import org.sightline.train.FitOptions;
import org.sightline.train.History;
import org.sightline.train.Model;
import org.sightline.train.ModelCheckpoint;
import org.sightline.train.ProgressLogger;
import org.sightline.train.TerminateOnNaN;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The tutorial's training run: reference CNN, Adam, test set as validation data. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the reference CNN (or the small CNN) with the tutorial's settings.",
                "Writes the model file, a checkpoint after each epoch (OUT with .checkpoint before the "
                        + "extension), the history as CSV (OUT with .history.csv) and a report: loss, accuracy "
                        + "and confusion-matrix plots with an HTML page (OUT with .training.html)."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    DatasetOptions datasetOptions;

    @Option(names = "--epochs", defaultValue = "25", description = "Total epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--seed", defaultValue = "21", description = "Seeds weights, dropout and shuffling. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--augment", description = "Random horizontal flips and crops after padding by 4.")
    boolean augment;

    @Option(names = "--limit", paramLabel = "N", description = "Train on the first N training images only.")
    Integer limit;

    @Option(names = "--test-limit", paramLabel = "N", description = "Validate on the first N test images only.")
    Integer testLimit;

    @Option(names = "--architecture", defaultValue = "reference",
            description = "reference (the tutorial's CNN) or small (a fast CNN). Default: ${DEFAULT-VALUE}.")
    String architecture;

    @Option(names = "--resume", description = "Continue from the checkpoint next to OUT if there is one.")
    boolean resume;

    @Option(names = "--no-report", description = "Do not write the plots and the HTML report next to the model.")
    boolean noReport;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The model file to write "
            + "(.safetensors).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        datasetOptions.validate();
        Backend backend = backendOptions.backend(Capability.TRAIN);
        backend.require(Capability.TRAIN, "train");
        TrainTestSplit data = datasetOptions.load(limit, testLimit);
        ImageDataset train = data.train();
        ImageDataset test = data.test();
        Path absoluteOut = out.toAbsolutePath();
        Files.createDirectories(absoluteOut.getParent());
        Path checkpoint = sibling(absoluteOut, ".checkpoint.safetensors");
        Path csv = sibling(absoluteOut, ".history.csv");
        boolean resuming = resume && Files.exists(checkpoint);

        console.printf(Locale.ROOT, "Training on %s (%s): %d training images, %d validation images of %s%n",
                backend.name(), backendOptions.device(), train.size(), test.size(), train.imageShape());
        long start = System.nanoTime();
        try (Model model = resuming ? Model.load(checkpoint, backend, backendOptions.device())
                : Model.compile(architecture(architecture, train), backend, CompileOptions.reference(), backendOptions.device(),
                        seed)) {
            if (resuming) {
                console.printf("Resuming from %s after epoch %d%n", checkpoint, model.epochsCompleted());
            } else {
                console.print(model.spec().summary());
            }
            console.flush(); // the progress lines go straight to System.out

            History history = model.fit(train, FitOptions.builder()
                    .epochs(epochs).batchSize(batchSize).seed(seed).validationData(test)
                    .augmentation(augment ? Augmentation.standard() : Augmentation.NONE)
                    .callbacks(new ProgressLogger(System.out),
                            new CsvLogger(csv, resuming), new ModelCheckpoint(checkpoint), new TerminateOnNaN())
                    .build());
            model.save(absoluteOut);
            Evaluation evaluation = model.evaluate(test, batchSize);
            console.printf(Locale.ROOT, "Finished %d epochs in %.1f min; test accuracy: %.4f, test loss: %.4f%n",
                    model.epochsCompleted(), (System.nanoTime() - start) / 6e10, evaluation.accuracy(),
                    evaluation.loss());
            if (history.stopReason() != null) {
                console.println("Stopped early: " + history.stopReason());
            }
            console.printf("Model: %s%nCheckpoint: %s%nHistory: %s%n", absoluteOut, checkpoint, csv);
            if (!noReport) {
                // The CSV, not the returned history, so that a resumed run's report shows every epoch.
                TrainingReport report = new TrainingReport("Training on " + backend.name(),
                        settings(backend, train, test, model), HistoryCsv.read(csv), evaluation);
                TrainingReport.Written written = report.write(absoluteOut.getParent(), reportName(absoluteOut, "training"));
                console.printf("Report: %s%n", written.html());
            }
        }
        return 0;
    }

    private Map<String, String> settings(Backend backend, ImageDataset train, ImageDataset test, Model model) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("backend", backend.name() + " (" + backendOptions.device() + ")");
        settings.put("dataset", datasetOptions.describe());
        settings.put("training images", String.format(Locale.ROOT, "%,d of %s", train.size(), train.imageShape()));
        settings.put("validation images", String.format(Locale.ROOT, "%,d (the test set)", test.size()));
        settings.put("model", architecture + " CNN '" + model.spec().name() + "', "
                + String.format(Locale.ROOT, "%,d parameters", model.spec().totalParams()));
        settings.put("epochs", Integer.toString(epochs) + (resume ? " (resumed)" : ""));
        settings.put("batch size", Integer.toString(batchSize));
        settings.put("seed", Long.toString(seed));
        settings.put("augmentation", augment ? "random flips and crops" : "none");
        settings.put("model file", out.toAbsolutePath().toString());
        return settings;
    }

    /** {@code run/model.safetensors} → {@code model.<kind>}: the base name of a report next to the model. */
    static String reportName(Path modelFile, String kind) {
        return sibling(modelFile, "." + kind).getFileName().toString();
    }

    static Sequential architecture(String architecture, ImageDataset train) {
        return switch (architecture) {
            case "reference" -> ReferenceModels.cnn(train.imageShape(), train.numClasses());
            case "small" -> ReferenceModels.smallCnn(train.imageShape(), train.numClasses());
            default -> throw new IllegalArgumentException("Unknown --architecture '" + architecture
                    + "', expected reference or small");
        };
    }

    /** {@code run/model.safetensors} → {@code run/model<suffix>}. */
    static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + suffix);
    }
}
