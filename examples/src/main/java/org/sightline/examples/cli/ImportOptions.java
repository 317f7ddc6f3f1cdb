package org.sightline.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.sightline.data.PixelScaling;
import org.sightline.io.ImportedModel;
import org.sightline.io.KerasModelFiles;
import org.sightline.io.SavedModel;
import org.sightline.model.Network;
import picocli.CommandLine.Option;

/**
 * What a model file from another tool does not record: the preprocessing it was trained with and its
 * class names ({@code --scale}, {@code --mean}, {@code --std}, {@code --classes}), and for a Keras
 * weights-only {@code .h5} the model's config ({@code --config}). Reads Keras files as Sightline models.
 */
final class ImportOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "For a Keras weights-only .h5 (model.save_weights): the model's to_json() config.")
    Path config;

    @Option(names = "--scale", paramLabel = "FACTOR",
            description = "For files that do not record it (Keras files, foreign ONNX files): the factor from 0..255 "
                    + "pixels to input values, a number or a fraction such as 1/255. Default: 1/255.")
    String scale;

    @Option(names = "--mean", paramLabel = "R,G,B",
            description = "For files that do not record it: subtracted from each channel after --scale, e.g. "
                    + "0.485,0.456,0.406.")
    String mean;

    @Option(names = "--std", paramLabel = "R,G,B",
            description = "For files that do not record it: each channel is divided by it after --mean, e.g. "
                    + "0.229,0.224,0.225.")
    String std;

    @Option(names = "--classes", paramLabel = "FILE",
            description = "For files without class names: a text file with one class name a line, in the order of "
                    + "the model's outputs.")
    Path classesFile;

    /**
     * Class names for a model file that records none, and where they come from, for messages: e.g. the
     * dataset's, with source "the dataset cifar10".
     */
    record ClassNames(List<String> names, String source) {
    }

    /** A Keras file read as a Sightline model, with the line that tells the user what it assumes. */
    record Imported(ImportedModel source, SavedModel saved, String usage) {
    }

    /** Checks the options' syntax and that their files exist, before any slow work starts. */
    void validate() {
        scaling();
        if (classesFile != null && !Files.isRegularFile(classesFile)) {
            throw new IllegalArgumentException("--classes " + classesFile + " does not exist or is not a file");
        }
        if (config != null && !Files.isRegularFile(config)) {
            throw new IllegalArgumentException("--config " + config + " does not exist or is not a file");
        }
    }

    /**
     * The Keras format of {@code file}, if it is a Keras model file; {@code --config} given for any other
     * file is refused, naming {@code option}.
     */
    Optional<KerasModelFiles.Format> kerasFormat(Path file, String option) throws IOException {
        Optional<KerasModelFiles.Format> format = KerasModelFiles.detect(file);
        if (config != null && format.isEmpty()) {
            throw new IllegalArgumentException("--config " + config + " is for a Keras weights-only .h5, but "
                    + option + " " + file + " is not a Keras model file");
        }
        return format;
    }

    /** The first of these options given, if any: for refusing them where they do not apply. */
    Optional<String> firstGiven() {
        return Optional.ofNullable(config != null ? "--config" : scale != null ? "--scale" : mean != null ? "--mean"
                : std != null ? "--std" : classesFile != null ? "--classes" : null);
    }

    /**
     * Refuses these options for {@code file}, a Sightline model file, which records its own preprocessing
     * and class names.
     */
    void requireNoneFor(Path file, String option) {
        firstGiven().ifPresent(given -> {
            throw new IllegalArgumentException(given + " is for Keras files, which do not record it; " + option + " "
                    + file + " is a Sightline model file, which records its preprocessing and class names");
        });
    }

    /** Whether {@code --classes} is given: a Keras file then needs no other class names. */
    boolean classesGiven() {
        return classesFile != null;
    }

    /**
     * Reads a Keras file: preprocessing from {@code --scale}, {@code --mean} and {@code --std}, else
     * Sightline's pixels / 255; class names from {@code --classes}, else {@code defaults} (those of the
     * dataset scored), else numbered from 0.
     *
     * @throws IllegalArgumentException naming both sides when the class names do not fit the model's outputs
     */
    Imported readKeras(Path file, Optional<ClassNames> defaults) throws IOException {
        ImportedModel imported = config == null ? KerasModelFiles.read(file) : KerasModelFiles.read(file, config);
        Network model = imported.model();
        int outputs = model.numClasses();
        List<String> names;
        String namesSource;
        if (classesFile != null) {
            names = readClassNames();
            namesSource = "from --classes " + classesFile;
            if (names.size() != outputs) {
                throw new IllegalArgumentException("--classes " + classesFile + " has " + names.size()
                        + " class names but " + file + " has " + outputs + " outputs");
            }
        } else if (defaults.isPresent()) {
            names = defaults.get().names();
            namesSource = "from " + defaults.get().source();
            if (names.size() != outputs) {
                throw new IllegalArgumentException(file + " has " + outputs + " outputs but "
                        + defaults.get().source() + " has " + names.size() + " classes " + names + "; give the "
                        + "model's class names with --classes FILE");
            }
        } else {
            names = IntStream.range(0, outputs).mapToObj(Integer::toString).toList();
            namesSource = "numbered; --classes FILE names them";
        }
        Optional<PixelScaling> given = scaling();
        PixelScaling preprocessing = given.orElse(PixelScaling.SIGHTLINE);
        if (preprocessing.mean().length == 3 && model.inputShape().channels() != 3) {
            throw new IllegalArgumentException("--mean and --std with three values need a colour model, but " + file
                    + " takes " + model.inputShape().channels() + " channel(s); give one value");
        }
        String usage = String.format(Locale.ROOT, "%s: %s, which records no preprocessing or class names; "
                + "using %s (%s) and class names %s (%s)", file, imported.format(), preprocessing,
                given.isPresent() ? "given" : "Sightline's default, pixels / 255; --scale, --mean and --std if the "
                        + "model was trained on other values",
                abbreviated(names), namesSource);
        return new Imported(imported, imported.toSavedModel(names, preprocessing), usage);
    }

    /** The names of {@code --classes}: one a line, none empty or twice. */
    List<String> readClassNames() throws IOException {
        List<String> names = Files.readAllLines(classesFile).stream().map(String::strip)
                .filter(line -> !line.isEmpty()).toList();
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--classes " + classesFile + " has no class names (one a line)");
        }
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw new IllegalArgumentException("--classes " + classesFile + " names '" + name + "' twice");
            }
        }
        return names;
    }

    /** The scaling of {@code --scale}, {@code --mean} and {@code --std}, if any is given. */
    Optional<PixelScaling> scaling() {
        if (scale == null && mean == null && std == null) {
            return Optional.empty();
        }
        double factor = scale == null ? PixelScaling.SIGHTLINE.scale() : parseScale();
        float[] means = mean == null ? new float[] {0f} : channels("--mean", mean);
        float[] stds = std == null ? new float[] {1f} : channels("--std", std);
        for (float s : stds) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("--std values must be > 0, got '" + std + "'");
            }
        }
        return Optional.of(PixelScaling.of(factor, means, stds));
    }

    /** Class names for one line: every one of a few, the first of many. */
    static String abbreviated(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + ", … (" + names.size() + " in all)";
    }

    private double parseScale() {
        try {
            String[] parts = scale.split("/", -1);
            double value = parts.length == 2 ? Double.parseDouble(parts[0]) / Double.parseDouble(parts[1])
                    : parts.length == 1 ? Double.parseDouble(scale) : Double.NaN;
            if (value > 0 && !Double.isInfinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with what was expected
        }
        throw new IllegalArgumentException("--scale must be a positive number or a fraction such as 1/255, got '"
                + scale + "'");
    }

    private static float[] channels(String option, String value) {
        String[] parts = value.split(",", -1);
        if (parts.length == 1 || parts.length == 3) {
            try {
                float[] values = new float[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    values[i] = Float.parseFloat(parts[i].strip());
                    if (!Float.isFinite(values[i])) {
                        throw new NumberFormatException(parts[i]);
                    }
                }
                return values;
            } catch (NumberFormatException e) {
                // reported below, with what was expected
            }
        }
        throw new IllegalArgumentException(option + " must be three numbers R,G,B (or one for every channel), got '"
                + value + "'");
    }
}
