package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.sightline.data.Augmentation;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
import org.sightline.data.TrainTestSplit;
import org.sightline.examples.report.HistoryCsv;
import org.sightline.examples.report.TrainingReport;
import org.sightline.io.AtomicFile;
import org.sightline.io.ImportedModel;
import org.sightline.io.KerasModelFiles;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Network;
import org.sightline.model.Shape;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.train.CsvLogger;
import org.sightline.train.Evaluation;
import org.sightline.train.FitOptions;
import org.sightline.train.History;
import org.sightline.train.Model;
import org.sightline.train.ModelCheckpoint;
import org.sightline.train.ProgressLogger;
import org.sightline.train.TerminateOnNaN;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The tutorial's training run: reference CNN, Adam, test set as validation data; or fine-tuning a trained model. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the reference CNN (or the small CNN) with the tutorial's settings, or fine-tune a "
                + "trained model: a Keras file or a Sightline model file (--resume-from).",
                "Writes the model file, a checkpoint after each epoch (OUT with .checkpoint before the "
                        + "extension), the history as CSV (OUT with .history.csv) and a report: loss, accuracy "
                        + "and confusion-matrix plots with an HTML page (OUT with .training.html)."})
final class TrainCommand implements Callable<Integer> {
    static final List<String> ARCHITECTURES = List.of("reference", "small", "resnet20", "resnet20-augmented",
            "mobilenet");

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    DatasetOptions datasetOptions;

    @Mixin
    TrainingOptions training;

    @Option(names = "--augment", description = "Random horizontal flips and crops after padding by 4.")
    boolean augment;

    @Option(names = "--no-report", description = "Do not write the plots and the HTML report next to the model.")
    boolean noReport;

    @Option(names = "--resume-from", paramLabel = "FILE",
            description = "Fine-tune this model instead of training a new one: a Keras file (.h5, .keras or "
                    + "TensorFlow.js model.json; trained on pixels / 255 with the dataset's classes, else convert it "
                    + "first) or a Sightline model file without training state. Its weights start a fresh Adam "
                    + "(--learning-rate), its preprocessing is kept; --epochs counts this run's epochs.")
    Path resumeFrom;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        training.validate();
        validateResumeFrom();
        datasetOptions.validate();
        Path absoluteOut = training.out.toAbsolutePath();
        createFolderOf(absoluteOut);
        Backend backend = backendOptions.backend(Capability.TRAIN);
        backend.require(Capability.TRAIN, "train");
        TrainTestSplit data = datasetOptions.load(training.limit, training.testLimit);
        ImageDataset train = data.train();
        ImageDataset test = data.test();
        Path checkpoint = sibling(absoluteOut, ".checkpoint.safetensors");
        Path csv = sibling(absoluteOut, ".history.csv");
        boolean resuming = training.resume && Files.exists(checkpoint);
        Optional<SavedModel> fineTuned = resumeFrom == null ? Optional.empty()
                : Optional.of(startingPoint(train, console));
        Network requested = fineTuned.isPresent() ? fineTuned.get().model() : training.model(train);
        SavedModel resumed = null;
        if (resuming) {
            resumed = ModelFile.load(checkpoint);
            training.requireResumable(resumed, checkpoint, requested, train.classNames(), datasetOptions.describe());
        }

        console.printf(Locale.ROOT, "Training on %s (%s): %d training images, %d validation images of %s%n",
                backend.name(), backendOptions.device(), train.size(), test.size(), train.imageShape());
        long start = System.nanoTime();
        CompileOptions compileOptions = fineTuned.isPresent() ? fineTuningOptions(requested)
                : training.compileOptions();
        try (Model model = resuming ? Model.fromSaved(resumed, backend, backendOptions.device())
                : fineTuned.isPresent()
                        ? Model.fineTune(fineTuned.get(), backend, compileOptions, backendOptions.device(),
                                training.seed)
                        : Model.compile(requested, backend, compileOptions, backendOptions.device(), training.seed)) {
            if (resuming) {
                console.printf("Resuming from %s after epoch %d%n", checkpoint, model.epochsCompleted());
            } else {
                console.print(model.spec().summary());
            }
            console.flush(); // the progress lines go straight to System.out

            History history;
            try {
                history = model.fit(train, FitOptions.builder()
                        .epochs(training.epochs).batchSize(training.batchSize).seed(training.seed).validationData(test)
                        .augmentation(augment ? Augmentation.standard() : Augmentation.NONE)
                        // TerminateOnNaN first: an epoch it fails is neither logged nor checkpointed.
                        .callbacks(new ProgressLogger(System.out), new TerminateOnNaN(),
                                new CsvLogger(csv, resuming), new ModelCheckpoint(checkpoint))
                        .build());
            } catch (RuntimeException e) {
                String reason = e.getMessage() != null ? e.getMessage() : e.toString();
                throw new TrainingStoppedException(stopped(reason, absoluteOut, checkpoint, model.epochsCompleted()), e);
            }
            if (history.isFailed()) {
                // The weights are broken: saving them would replace a good model file with a useless one.
                spec.commandLine().getErr().println("sightline train: " + stopped(history.stopReason(), absoluteOut,
                        checkpoint, model.epochsCompleted()));
                return 1;
            }
            try {
                model.save(absoluteOut);
            } catch (IOException e) {
                throw new IOException("Cannot write model file " + absoluteOut + ": " + AtomicFile.reason(e), e);
            }
            Evaluation evaluation = model.evaluate(test, training.batchSize);
            console.printf(Locale.ROOT, "Trained to epoch %d in %.1f min; test accuracy: %.4f, test loss: %.4f%n",
                    model.epochsCompleted(), (System.nanoTime() - start) / 6e10, evaluation.accuracy(),
                    evaluation.loss());
            if (history.stopReason() != null) {
                console.println("Stopped early: " + history.stopReason());
            }
            console.printf("Model: %s%nCheckpoint: %s%nHistory: %s%n", absoluteOut, checkpoint, csv);
            if (!noReport) {
                // The CSV, not the returned history, so that a resumed run's report shows every epoch.
                double rate = ((Adam) (resuming ? resumed.training().get().compileOptions() : compileOptions)
                        .optimizer()).learningRate();
                TrainingReport report = new TrainingReport("Training on " + backend.name(),
                        settings(backend, train, test, model, rate), HistoryCsv.read(csv), evaluation);
                TrainingReport.Written written = report.write(absoluteOut.getParent(), reportName(absoluteOut, "training"));
                console.printf("Report: %s%n", written.html());
            }
        }
        return 0;
    }

    /**
     * Refuses --resume-from with the options that also say where training starts, or with --out naming the
     * same file (a fine-tuned model written over its own starting point), before any data is read.
     */
    private void validateResumeFrom() throws IOException {
        if (resumeFrom == null) {
            return;
        }
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (parsed.hasMatchedOption("--architecture")) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + " and --architecture "
                    + training.architecture + " both name the model to train; give one of them");
        }
        if (parsed.hasMatchedOption("--config")) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + " and --config " + training.config
                    + " both name the model to train; give one of them (to fine-tune a weights-only .h5, convert "
                    + "it with its config first: sightline convert WEIGHTS.h5 MODEL.safetensors --config "
                    + training.config + ", then --resume-from MODEL.safetensors)");
        }
        if (training.resume) {
            throw new IllegalArgumentException("--resume continues the checkpoint next to --out, --resume-from "
                    + resumeFrom + " starts a new run from a trained model; give one of them");
        }
        if (!Files.isRegularFile(resumeFrom)) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + " does not exist or is not a file");
        }
        if (ExportOnnxCommand.sameFile(resumeFrom, training.out)) {
            throw new IllegalArgumentException("--out " + training.out + " is the --resume-from file; write the "
                    + "fine-tuned model to another file");
        }
    }

    /**
     * The model --resume-from starts from, named by the dataset's classes: a Keras file records none (its
     * inputs are taken as pixels / 255), a Sightline model file must have the dataset's or only the numbered
     * ones a converted Keras file gets.
     */
    private SavedModel startingPoint(ImageDataset train, PrintWriter console) throws IOException {
        List<String> classes = train.classNames();
        String dataset = "the dataset " + datasetOptions.describe();
        if (KerasModelFiles.detect(resumeFrom).isPresent()) {
            ImportedModel keras = KerasModelFiles.read(resumeFrom);
            requireFits(keras.model(), train, dataset);
            SavedModel saved = keras.toSavedModel(classes, PixelScaling.SIGHTLINE);
            console.printf("Fine-tuning %s (%s), which records no preprocessing or class names: using %s "
                    + "(Sightline's default, pixels / 255; convert it with --scale, --mean and --std first if the "
                    + "model was trained on other values) and the class names of %s (%s)%n", resumeFrom,
                    keras.format(), saved.preprocessing(), dataset, ImportOptions.abbreviated(classes));
            return saved;
        }
        if (!OnnxClassifier.isSafeTensors(resumeFrom)) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + " is neither a Keras model file "
                    + "(.h5, .keras, TensorFlow.js model.json) nor a Sightline model file (.safetensors)");
        }
        SavedModel saved = ModelFile.load(resumeFrom);
        if (saved.training().isPresent()) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + " is a checkpoint (training state "
                    + "after epoch " + saved.training().get().epochsCompleted() + "); continue its run with --resume "
                    + "and the --out it was written for, or give a model file without training state");
        }
        requireFits(saved.model(), train, dataset);
        List<String> numbered = IntStream.range(0, classes.size()).mapToObj(Integer::toString).toList();
        if (!saved.classNames().equals(classes) && !saved.classNames().equals(numbered)) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + " was trained on the classes "
                    + saved.classNames() + " but " + dataset + " has the classes " + classes + "; fine-tuning "
                    + "needs the same classes in the same order");
        }
        console.printf("Fine-tuning %s: preprocessing %s, class names of %s (%s)%n", resumeFrom,
                saved.preprocessing(), dataset, ImportOptions.abbreviated(classes));
        return SavedModel.of(saved.model(), saved.weights(), classes, saved.preprocessing());
    }

    /** Refuses a model that does not take the dataset's images or does not output one value per class. */
    private void requireFits(Network model, ImageDataset train, String dataset) {
        if (!model.inputShape().equals(train.imageShape())) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + ": model '" + model.name() + "' takes "
                    + model.inputShape() + " inputs, but the images of " + dataset + " are " + train.imageShape());
        }
        if (model.outputShape().rank() != 1 || model.numClasses() != train.numClasses()) {
            throw new IllegalArgumentException("--resume-from " + resumeFrom + ": model '" + model.name()
                    + "' outputs " + model.outputShape() + ", but " + dataset + " has " + train.numClasses()
                    + " classes " + train.classNames());
        }
    }

    /**
     * The tutorial's Adam at --learning-rate, with a loss that takes what the model outputs: a Keras model
     * trained with from_logits=True ends without a softmax.
     */
    private CompileOptions fineTuningOptions(Network model) {
        CompileOptions options = training.compileOptions();
        return new CompileOptions(options.optimizer(), options.loss().withFromLogits(model.outputsLogits()),
                options.metrics(), options.precision());
    }

    static void requirePositive(String option, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be > 0, got " + value);
        }
    }

    /** Creates the folder of {@code --out}, or says why it cannot be a model file, before any training. */
    static void createFolderOf(Path absoluteOut) {
        if (Files.isDirectory(absoluteOut)) {
            throw new IllegalArgumentException("--out " + absoluteOut + " is a folder; expected a model file such as "
                    + absoluteOut.resolve("model.safetensors"));
        }
        Path folder = absoluteOut.getParent();
        try {
            Files.createDirectories(folder);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("--out " + absoluteOut + ": cannot create its folder " + folder
                    + ": Not a directory", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + absoluteOut + ": cannot create its folder " + folder + ": "
                    + AtomicFile.reason(e), e);
        }
    }

    /** Why training stopped and what was kept, as the last line of a failed run. */
    static String stopped(String reason, Path out, Path checkpoint, int epochsCompleted) {
        String message = "training stopped: " + reason + "; " + out + " was not written";
        // ModelCheckpoint saves every completed epoch, so the checkpoint holds the last good one.
        return epochsCompleted > 0
                ? message + ", the last good checkpoint is " + checkpoint + " (epoch " + epochsCompleted + ")"
                : message;
    }

    /** A training run that failed part-way; its message says what was kept. */
    static final class TrainingStoppedException extends RuntimeException {
        TrainingStoppedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Map<String, String> settings(Backend backend, ImageDataset train, ImageDataset test, Model model,
            double learningRate) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("backend", backend.name() + " (" + backendOptions.device() + ")");
        settings.put("dataset", datasetOptions.describe());
        settings.put("training images", String.format(Locale.ROOT, "%,d of %s", train.size(), train.imageShape()));
        settings.put("validation images", String.format(Locale.ROOT, "%,d (the test set)", test.size()));
        settings.put("model", (resumeFrom != null ? "the model of " + resumeFrom + ", fine-tuned,"
                : training.modelDescription()) + " '" + model.spec().name() + "', "
                + String.format(Locale.ROOT, "%,d parameters", model.spec().totalParams()));
        settings.put("epochs", Integer.toString(training.epochs) + (training.resume ? " (resumed)" : ""));
        settings.put("preprocessing", model.inputScaling().toString());
        settings.put("batch size", Integer.toString(training.batchSize));
        settings.put("learning rate", Double.toString(learningRate));
        settings.put("seed", Long.toString(training.seed));
        settings.put("augmentation", augment ? "random flips and crops" : "none");
        settings.put("model file", training.out.toAbsolutePath().toString());
        return settings;
    }

    /** {@code run/model.safetensors} → {@code model.<kind>}: the base name of a report next to the model. */
    static String reportName(Path modelFile, String kind) {
        return sibling(modelFile, "." + kind).getFileName().toString();
    }

    static Network architecture(String architecture, ImageDataset train) {
        return architecture(architecture, train.imageShape(), train.numClasses());
    }

    static Network architecture(String architecture, Shape input, int classes) {
        requireArchitecture(architecture);
        return switch (architecture) {
            case "reference" -> ReferenceModels.cnn(input, classes);
            case "resnet20" -> ReferenceModels.resnet20(input, classes);
            case "resnet20-augmented" -> ReferenceModels.resnet20Augmented(input, classes);
            case "mobilenet" -> ReferenceModels.mobileNet(input, classes);
            default -> ReferenceModels.smallCnn(input, classes);
        };
    }

    static void requireArchitecture(String architecture) {
        if (!ARCHITECTURES.contains(architecture)) {
            throw new IllegalArgumentException("Unknown --architecture '" + architecture
                    + "', expected one of " + String.join(", ", ARCHITECTURES));
        }
    }

    /** {@code run/model.safetensors} → {@code run/model<suffix>}. */
    static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + suffix);
    }
}
