package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;
import org.sightline.examples.report.BackendComparison;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;
import org.sightline.train.Prediction;
import org.sightline.train.ProgressLogger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The tutorial's flow across backends: train on one, save, load the file in every backend that can
 * infer, and check that they all predict what the training backend predicts. With {@code --model}
 * an existing file (a long run's result) is compared instead, with no training.
 */
@Command(name = "cross-backend", mixinStandardHelpOptions = true,
        description = {"Train briefly on one backend, save the model, load the file in every backend that can "
                + "infer (ONNX included) and evaluate each on the same test images.",
                "With --model, compares an existing model file (Sightline's, or a Keras .h5, .keras or "
                        + "model.json with the dataset's class names and pixels / 255 unless --classes, --scale, "
                        + "--mean and --std say otherwise) instead: the reference is the file run on "
                        + "--train-backend, which then only needs to infer.",
                "Prints accuracy, loss, top-1 agreement with the reference backend and the largest probability "
                        + "difference; exits with 1 if a backend fails or agrees on fewer images than "
                        + "--min-agreement."})
final class CrossBackendCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DatasetOptions datasetOptions;

    @Option(names = "--train-backend", defaultValue = "tensorflow", paramLabel = "NAME",
            description = "The backend that trains (with --model: that runs the reference predictions). "
                    + "Default: ${DEFAULT-VALUE}.")
    String trainBackend;

    @Option(names = "--model", paramLabel = "FILE",
            description = "Compare this model file (.safetensors, or a Keras .h5, .keras or model.json) instead of "
                    + "training one.")
    Path model;

    @Mixin
    ImportOptions importOptions;

    @Option(names = "--backends", split = ",", paramLabel = "NAME",
            description = "The backends that load the model file. Default: every backend found that can infer.")
    List<String> backends;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, gpu or gpu:N, for every backend. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--epochs", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--seed", defaultValue = "21", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--limit", defaultValue = "2000", paramLabel = "N",
            description = "Train on the first N training images (N > 0). Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--test-limit", defaultValue = "1000", paramLabel = "N",
            description = "Compare on the first N test images; 0 for all. Default: ${DEFAULT-VALUE}.")
    int testLimit;

    @Option(names = "--architecture", defaultValue = "small",
            description = "small (a fast CNN), reference (the tutorial's CNN), resnet20, resnet20-augmented or "
                    + "mobilenet, as train takes them. Default: ${DEFAULT-VALUE}.")
    String architecture;

    @Option(names = "--min-agreement", defaultValue = "0.999", paramLabel = "FRACTION",
            description = "The least top-1 agreement with the training backend that passes. Default: "
                    + "${DEFAULT-VALUE}.")
    double minAgreement;

    @Option(names = "--out", paramLabel = "OUT",
            description = "Keep the trained model file here. Default: a temporary file, deleted at the end.")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        validateArguments();
        datasetOptions.validate();
        Backend reference = Backends.get(trainBackend);
        if (model == null) {
            reference.require(Capability.TRAIN, "train in cross-backend");
        } else {
            reference.require(Capability.INFER, "run the reference predictions in cross-backend");
            if (out != null) {
                throw new IllegalArgumentException("--out keeps a trained model; with --model nothing is trained");
            }
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("--model: no such file: " + model.toAbsolutePath());
            }
            // Refuses --config for a file that is not Keras before any data is read.
            importOptions.kerasFormat(model, "--model");
        }
        Device target = Device.parse(device);
        List<Backend> inferring = backends == null
                ? Backends.available().stream().filter(b -> b.can(Capability.INFER)).toList()
                : backends.stream().map(Backends::get).toList();
        for (Backend backend : inferring) {
            backend.require(Capability.INFER, "load the model in cross-backend");
        }
        TrainTestSplit data = datasetOptions.load(limit, testLimit == 0 ? null : testLimit);
        ImageDataset test = data.test();

        // Without --model or --out the trained file lives only as long as the comparison.
        boolean temporary = model == null && out == null;
        Path modelFile;
        if (model != null) {
            modelFile = model.toAbsolutePath();
        } else if (out != null) {
            modelFile = out.toAbsolutePath();
            Files.createDirectories(modelFile.getParent());
        } else {
            modelFile = Files.createTempFile("sightline-cross-backend", ".safetensors");
        }
        try {
            BackendComparison comparison;
            SavedModel saved;
            if (model != null) {
                saved = readModel(test, console);
                comparison = referenceFromFile(reference, saved, target, test);
            } else {
                comparison = referenceFromTraining(reference, data, target, modelFile, console);
                saved = ModelFile.load(modelFile);
            }
            for (Backend backend : inferring) {
                compare(backend, saved, target, test, comparison);
            }

            console.printf(Locale.ROOT, "%nModel file %s loaded in %d backend(s); %,d test images of %s:%n%n",
                    temporary ? "(temporary)" : modelFile, inferring.size(), test.size(),
                    datasetOptions.describe());
            console.print(comparison.table());
            Optional<String> problem = comparison.problem(minAgreement);
            if (problem.isPresent()) {
                spec.commandLine().getErr().println("sightline cross-backend: " + problem.get());
                return 1;
            }
            console.printf(Locale.ROOT, "%nEvery backend agrees with %s on at least %.2f%% of the images.%n",
                    comparison.reference(), 100 * minAgreement);
            return 0;
        } finally {
            if (temporary) {
                Files.deleteIfExists(modelFile);
            }
        }
    }

    /** Checks every option that needs no file, so that a typo is reported before any data is loaded. */
    private void validateArguments() {
        TrainCommand.requirePositive("--epochs", epochs);
        TrainCommand.requirePositive("--batch-size", batchSize);
        // Unlike --test-limit, 0 would train on no image at all.
        TrainCommand.requirePositive("--limit", limit);
        if (testLimit < 0) {
            throw new IllegalArgumentException("--test-limit must be >= 0 (0 for all), got " + testLimit);
        }
        if (!(minAgreement >= 0 && minAgreement <= 1)) {
            throw new IllegalArgumentException("--min-agreement must be between 0 and 1, got " + minAgreement);
        }
        TrainCommand.requireArchitecture(architecture);
        importOptions.validate();
        if (model == null) {
            importOptions.firstGiven().ifPresent(given -> {
                throw new IllegalArgumentException(given + " is for a Keras file given with --model; without "
                        + "--model cross-backend trains its own model");
            });
        }
    }

    /** The --model file: a Keras file named after the dataset's classes unless --classes says, or a model file. */
    private SavedModel readModel(ImageDataset test, PrintWriter console) throws IOException {
        if (importOptions.kerasFormat(model, "--model").isEmpty()) {
            importOptions.requireNoneFor(model, "--model");
            return ModelFile.load(model);
        }
        ImportOptions.Imported keras = importOptions.readKeras(model, Optional.of(new ImportOptions.ClassNames(
                test.classNames(), "the dataset " + datasetOptions.describe())));
        console.println(keras.usage());
        return keras.saved();
    }

    /** Trains on {@code trainer}, saves the file, and takes the model as trained as the reference. */
    private BackendComparison referenceFromTraining(Backend trainer, TrainTestSplit data, Device target,
            Path modelFile, PrintWriter console) throws IOException {
        console.printf(Locale.ROOT, "Training the %s CNN on %s (%s): %,d images, %d epoch(s)%n", architecture,
                trainer.name(), target, data.train().size(), epochs);
        console.flush(); // the progress lines go straight to System.out
        try (Model trained = Model.compile(TrainCommand.architecture(architecture, data.train()), trainer,
                CompileOptions.reference(), target, seed)) {
            trained.fit(data.train(), FitOptions.builder().epochs(epochs).batchSize(batchSize).seed(seed)
                    .callbacks(new ProgressLogger(System.out)).build());
            trained.save(modelFile);
            // The reference is the model as trained, before any file round trip.
            return referenceOf(trained, trainer.name() + " (trained)", data.test());
        }
    }

    private BackendComparison referenceFromFile(Backend backend, SavedModel saved, Device target, ImageDataset test) {
        try (Model loaded = Model.fromSaved(saved, backend, target)) {
            return referenceOf(loaded, backend.name() + " (reference)", test);
        }
    }

    private BackendComparison referenceOf(Model model, String name, ImageDataset test) {
        List<Prediction> predictions = model.predict(test, batchSize, 1);
        BackendComparison comparison = new BackendComparison(name, predictions);
        comparison.add(name, model.evaluate(test, batchSize), predictions);
        return comparison;
    }

    private void compare(Backend backend, SavedModel saved, Device target, ImageDataset test,
            BackendComparison comparison) {
        try (Model loaded = Model.fromSaved(saved, backend, target)) {
            comparison.add(backend.name(), loaded.evaluate(test, batchSize), loaded.predict(test, batchSize, 1));
        } catch (RuntimeException e) {
            // One backend that cannot run (no GPU, a missing native) must not hide the others' results.
            comparison.addFailure(backend.name(), e.getMessage());
        }
    }
}
