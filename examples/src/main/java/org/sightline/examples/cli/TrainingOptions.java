package org.sightline.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;
import org.sightline.data.ImageDataset;
import org.sightline.io.KerasJson;
import org.sightline.io.SavedModel;
import org.sightline.model.Network;
import picocli.CommandLine.Option;

/**
 * The options {@code train} and {@code spark train} share, with their checks: one place for what a
 * training run is asked to do, and for why a checkpoint cannot be resumed.
 */
final class TrainingOptions {

    @Option(names = "--epochs", defaultValue = "25", description = "Total epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per training step (per replica on "
            + "Spark). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--seed", defaultValue = "21", description = "Seeds weights, dropout and shuffling. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--limit", paramLabel = "N", description = "Train on the first N training images only.")
    Integer limit;

    @Option(names = "--test-limit", paramLabel = "N", description = "Validate on the first N test images only.")
    Integer testLimit;

    @Option(names = "--architecture", defaultValue = "reference",
            description = "reference (the tutorial's CNN), small (a fast CNN), resnet20 (He et al.'s CIFAR-10 "
                    + "ResNet-20), resnet20-augmented (ResNet-20 behind RandomFlip and RandomTranslation(0.125) "
                    + "layers) or mobilenet (a small MobileNet). Default: ${DEFAULT-VALUE}.")
    String architecture;

    @Option(names = "--config", paramLabel = "FILE", description = "Train the model of a Keras config instead of "
            + "--architecture: model.to_json() of a Sequential or Functional model (Keras 2 or 3), or a "
            + "TensorFlow.js model.json. Its input must be the dataset's image shape, its output one per class.")
    Path config;

    @Option(names = "--learning-rate", paramLabel = "RATE",
            description = "Adam's learning rate. Default: 0.001, the tutorial's; with --resume, the checkpoint's.")
    Double learningRate;

    @Option(names = "--precision", paramLabel = "POLICY", converter = PrecisionConverter.class,
            description = "float32, or mixed_bfloat16: convolutions and matrix products in bfloat16, weights and "
                    + "optimizer in float32, as Keras's policy (tensorflow backend, CPUs with AVX512-BF16 or AMX). "
                    + "Default: float32; with --resume, the checkpoint's.")
    Precision precision;

    @Option(names = "--resume", description = "Continue from the checkpoint next to OUT if there is one. It must "
            + "hold the model --architecture asks for, for this dataset's images and classes.")
    boolean resume;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The model file to write "
            + "(.safetensors).")
    Path out;

    /** Checks every option that needs no file, in its CLI words, before data loading or Spark start. */
    void validate() {
        TrainCommand.requirePositive("--epochs", epochs);
        TrainCommand.requirePositive("--batch-size", batchSize);
        if (limit != null && limit <= 0) {
            throw new IllegalArgumentException("--limit must be > 0, got " + limit
                    + " (leave it out to train on every image)");
        }
        if (testLimit != null && testLimit <= 0) {
            throw new IllegalArgumentException("--test-limit must be > 0, got " + testLimit
                    + " (leave it out to validate on every test image)");
        }
        if (learningRate != null && !(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("--learning-rate must be a finite number > 0, got " + learningRate);
        }
        TrainCommand.requireArchitecture(architecture);
        if (config != null && !architecture.equals("reference")) {
            throw new IllegalArgumentException("--config " + config + " and --architecture " + architecture
                    + " both name a model; give one of them");
        }
    }

    /** The model to train: the one {@code --config} holds, or {@code --architecture} for the dataset. */
    Network model(ImageDataset train) throws IOException {
        if (config == null) {
            return TrainCommand.architecture(architecture, train);
        }
        Network model = KerasJson.modelFromJson(config);
        if (!model.inputShape().equals(train.imageShape())) {
            throw new IllegalArgumentException("--config " + config + ": model '" + model.name() + "' takes "
                    + model.inputShape() + " inputs, but the dataset's images are " + train.imageShape());
        }
        if (model.outputShape().rank() != 1 || model.outputShape().size() != train.numClasses()) {
            throw new IllegalArgumentException("--config " + config + ": model '" + model.name() + "' outputs "
                    + model.outputShape() + ", but the dataset has " + train.numClasses() + " classes");
        }
        return model;
    }

    /** What the model is, for messages and reports: the architecture's name or the config file. */
    String modelDescription() {
        return config != null ? "the model of " + config : "the " + architecture + " CNN";
    }

    /** The tutorial's Adam, at {@code --learning-rate} when given. */
    CompileOptions compileOptions() {
        CompileOptions options = learningRate == null ? CompileOptions.reference()
                : CompileOptions.of(Adam.withLearningRate(learningRate));
        return precision == null ? options : options.withPrecision(precision);
    }


    /**
     * Refuses a checkpoint of another model, other classes or learning rate: resuming would silently train
     * the checkpoint's model (or change its optimizer) instead of what the options ask for.
     *
     * @param dataset the dataset as the user named it, for the message
     */
    void requireResumable(SavedModel saved, Path checkpoint, Network requested, List<String> classes,
            String dataset) {
        if (saved.training().isEmpty()) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " is a model file without training state "
                    + "(no optimizer state or epoch count); leave out --resume to start anew");
        }
        if (!sameConfig(saved.model(), requested)) {
            Network had = saved.model();
            String known = knownArchitecture(had);
            throw new IllegalArgumentException("--resume: the checkpoint " + checkpoint + " holds "
                    + describe(had, known) + ", but " + (config != null ? "--config " + config
                            : "--architecture " + architecture) + " asks for "
                    + describe(requested, config != null ? null : architecture) + "; "
                    + (known != null ? "resume with --architecture " + known + " or " : "") + "leave out --resume "
                    + "to start anew");
        }
        if (!saved.classNames().equals(classes)) {
            throw new IllegalArgumentException("--resume: the checkpoint " + checkpoint + " was trained on the classes "
                    + saved.classNames() + " but " + dataset + " has the classes " + classes
                    + "; leave out --resume to start anew");
        }
        if (learningRate != null && saved.training().get().compileOptions().optimizer() instanceof Adam adam
                && adam.learningRate() != learningRate) {
            throw new IllegalArgumentException("--resume: --learning-rate " + learningRate + " differs from the "
                    + "checkpoint's " + adam.learningRate() + " (" + checkpoint + "); leave out --learning-rate to "
                    + "resume with " + adam.learningRate());
        }
        Precision had = saved.training().get().compileOptions().precision();
        if (precision != null && precision != had) {
            throw new IllegalArgumentException("--resume: --precision " + precision + " differs from the checkpoint's "
                    + had + " (" + checkpoint + "); leave out --precision to resume in " + had);
        }
    }

    /** The same layers and input: a model's name is only a label, its config is what trains. */
    private static boolean sameConfig(Network a, Network b) {
        return a.inputShape().equals(b.inputShape()) && a.layers().equals(b.layers());
    }

    private static String knownArchitecture(Network model) {
        for (String name : TrainCommand.ARCHITECTURES) {
            if (sameConfig(model, TrainCommand.architecture(name, model.inputShape(), model.numClasses()))) {
                return name;
            }
        }
        return null;
    }

    private static String describe(Network model, String architecture) {
        String what = architecture != null ? "the " + architecture + " CNN"
                : String.format(Locale.ROOT, "a %d-layer model of %,d parameters", model.layers().size(),
                        model.totalParams());
        return what + " for " + model.inputShape() + " images and " + model.numClasses() + " classes";
    }
}
