package org.sightline.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.sightline.inference.ImageClassifier;
import org.sightline.data.PixelScaling;
import org.sightline.model.Shape;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.onnx.OnnxExporter;
import org.sightline.spi.Capability;
import org.sightline.train.Model;
import picocli.CommandLine.Option;

/**
 * The {@code --model} option of {@code evaluate} and {@code predict}: a Sightline model file or an
 * ONNX file, with the preprocessing and class names a foreign ONNX file does not record.
 */
final class InferenceModelOptions {
    /** The first byte of an ONNX file: protobuf field 1 (ir_version), a varint. */
    private static final int ONNX_FIRST_BYTE = 0x08;

    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "A model file: Sightline's .safetensors, or an .onnx file (Sightline's export-onnx output "
                    + "or another tool's image classifier, run on ONNX Runtime).")
    Path modelFile;

    @Option(names = "--scale", paramLabel = "FACTOR",
            description = "For ONNX files that do not record it: the factor from 0..255 pixels to input values, "
                    + "a number or a fraction such as 1/255. Default: 1/255.")
    String scale;

    @Option(names = "--mean", paramLabel = "R,G,B",
            description = "For ONNX files: subtracted from each channel after --scale, e.g. 0.485,0.456,0.406.")
    String mean;

    @Option(names = "--std", paramLabel = "R,G,B",
            description = "For ONNX files: each channel is divided by it after --mean, e.g. 0.229,0.224,0.225.")
    String std;

    @Option(names = "--classes", paramLabel = "FILE",
            description = "For ONNX files without class names: a text file with one class name a line, in the "
                    + "order of the model's outputs.")
    Path classesFile;

    /** A model opened for inference, and what to close when done. */
    record Opened(ImageClassifier classifier, String runtime, AutoCloseable resource) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resource.close();
        }
    }

    /** Checks the options' syntax before any slow work starts. */
    void validate() {
        scaling();
        if (classesFile != null && !Files.isRegularFile(classesFile)) {
            throw new IllegalArgumentException("--classes " + classesFile + " does not exist or is not a file");
        }
        if (Files.isDirectory(modelFile)) {
            throw new IllegalArgumentException("--model " + modelFile + " is a folder, not a model file");
        }
        if (!Files.exists(modelFile)) {
            throw new IllegalArgumentException("--model " + modelFile + " does not exist");
        }
    }

    /**
     * Opens the model: an ONNX file on ONNX Runtime, a Sightline model file on the chosen backend. Refuses
     * preprocessing options and class names that contradict what the file records.
     */
    Opened open(BackendOptions backendOptions) throws IOException {
        validate();
        List<String> givenNames = classesFile == null ? List.of() : readClassNames();
        Optional<PixelScaling> givenScaling = scaling();
        if (isOnnx(modelFile)) {
            if (backendOptions.backend != null && !backendOptions.backend.equals("onnx")) {
                throw new IllegalArgumentException("--backend " + backendOptions.backend + " cannot run " + modelFile
                        + ": ONNX files run on ONNX Runtime; leave --backend out or pass --backend onnx");
            }
            OnnxClassifier.Options options = OnnxClassifier.Options.defaults().withDevice(backendOptions.device());
            OnnxClassifier onnx = OnnxClassifier.open(modelFile,
                    givenScaling.map(options::withScaling).orElse(options));
            try {
                Optional<List<String>> recordedNames = onnx.metadata().containsKey(OnnxExporter.CLASS_NAMES_KEY)
                        ? Optional.of(onnx.classNames()) : Optional.empty();
                return new Opened(withNames(onnx, onnx.inputScale(), recordedNames, givenNames), "onnx", onnx);
            } catch (RuntimeException e) {
                onnx.close();
                throw e;
            }
        }
        Model model = Model.load(modelFile, backendOptions.backend(Capability.INFER), backendOptions.device());
        try {
            return new Opened(withNames(model, OptionalDouble.of(model.inputScaling().scale()),
                    Optional.of(model.classNames()), givenNames), model.backend().name(), model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Whether {@code file} is an ONNX model: by its content, else by its extension. */
    static boolean isOnnx(Path file) throws IOException {
        if (OnnxClassifier.isSafeTensors(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == ONNX_FIRST_BYTE || file.getFileName().toString().toLowerCase(Locale.ROOT)
                    .endsWith(".onnx");
        }
    }

    /** The classifier with the class names of {@code --classes}, after checking them and the scale against the file. */
    private ImageClassifier withNames(ImageClassifier classifier, OptionalDouble recordedScale,
            Optional<List<String>> recordedNames, List<String> givenNames) {
        Optional<PixelScaling> given = scaling();
        if (recordedScale.isPresent() && given.isPresent()) {
            String recorded = Float.toString((float) recordedScale.getAsDouble());
            if (!given.get().sameScale(recordedScale.getAsDouble())) {
                throw new IllegalArgumentException("--scale " + scale + " contradicts " + modelFile
                        + ", which records input scale " + recorded + "; leave --scale out");
            }
            if (!given.get().isScaleOnly()) {
                throw new IllegalArgumentException("--mean and --std are for ONNX files that do not record their "
                        + "scaling; " + modelFile + " records input scale " + recorded + " with no mean or std");
            }
        }
        if (given.isPresent() && given.get().mean().length == 3 && classifier.inputShape().channels() != 3) {
            throw new IllegalArgumentException("--mean and --std with three values need a colour model, but "
                    + modelFile + " takes " + classifier.inputShape().channels() + " channel(s); give one value");
        }
        if (givenNames.isEmpty()) {
            return classifier;
        }
        int outputs = classifier.classNames().size();
        if (givenNames.size() != outputs) {
            throw new IllegalArgumentException("--classes " + classesFile + " has " + givenNames.size()
                    + " class names but " + modelFile + " has " + outputs + " outputs");
        }
        if (recordedNames.isPresent()) {
            if (!recordedNames.get().equals(givenNames)) {
                throw new IllegalArgumentException("--classes " + classesFile + " names " + givenNames + " but "
                        + modelFile + " records its own class names " + recordedNames.get() + "; leave --classes out");
            }
            return classifier;
        }
        return new Renamed(classifier, givenNames);
    }

    private List<String> readClassNames() throws IOException {
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
    private Optional<PixelScaling> scaling() {
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

    /** A classifier answering with the class names of {@code --classes}. */
    private record Renamed(ImageClassifier classifier, List<String> classNames) implements ImageClassifier {
        @Override
        public Shape inputShape() {
            return classifier.inputShape();
        }

        @Override
        public PixelScaling inputScaling() {
            return classifier.inputScaling();
        }

        @Override
        public float[] predictProbabilities(float[] images, int count) {
            return classifier.predictProbabilities(images, count);
        }
    }
}
