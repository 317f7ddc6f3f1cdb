package org.sightline.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.sightline.compile.Precision;
import org.sightline.inference.ImageClassifier;
import org.sightline.data.PixelScaling;
import org.sightline.model.Shape;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.onnx.OnnxExporter;
import org.sightline.spi.Capability;
import org.sightline.train.Model;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code --model} option of {@code evaluate} and {@code predict}: a Sightline model file, a Keras file
 * or an ONNX file, with the preprocessing and class names Keras files and foreign ONNX files do not record.
 */
final class InferenceModelOptions {
    /** The first byte of an ONNX file: protobuf field 1 (ir_version), a varint. */
    private static final int ONNX_FIRST_BYTE = 0x08;

    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "A model file: Sightline's .safetensors, a Keras file (.h5, .keras or TensorFlow.js "
                    + "model.json, run on the chosen backend), or an .onnx file (Sightline's export-onnx output or "
                    + "another tool's image classifier, run on ONNX Runtime).")
    Path modelFile;

    @Option(names = "--precision", paramLabel = "POLICY", defaultValue = "float32",
            converter = PrecisionConverter.class,
            description = "float32, or mixed_bfloat16: convolutions and matrix products in bfloat16, faster on "
                    + "CPUs with AVX512-BF16 or AMX (tensorflow backend), probabilities to two or three digits. "
                    + "Default: ${DEFAULT-VALUE}.")
    Precision precision;

    @Mixin
    ImportOptions importOptions;

    /**
     * A model opened for inference, what to close when done, and for a Keras file the line that says which
     * preprocessing and class names it runs with.
     */
    record Opened(ImageClassifier classifier, String runtime, AutoCloseable resource, Optional<String> assumptions)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resource.close();
        }
    }

    /** Checks the options' syntax before any slow work starts. */
    void validate() {
        importOptions.validate();
        if (Files.isDirectory(modelFile)) {
            throw new IllegalArgumentException("--model " + modelFile + " is a folder, not a model file");
        }
        if (!Files.exists(modelFile)) {
            throw new IllegalArgumentException("--model " + modelFile + " does not exist");
        }
    }

    /** Whether the model is a Keras file; {@code --config} for any other file is refused. */
    boolean isKeras() throws IOException {
        return importOptions.kerasFormat(modelFile, "--model").isPresent();
    }

    /** Whether the model is a Keras file given without {@code --classes}: it then needs class names from elsewhere. */
    boolean needsClassNames() throws IOException {
        return isKeras() && !importOptions.classesGiven();
    }

    /**
     * Opens the model: a Keras or Sightline model file on the chosen backend, an ONNX file on ONNX Runtime.
     * A Keras file takes {@code defaultNames} unless {@code --classes} names its classes. Refuses
     * preprocessing options and class names that contradict what a file records.
     */
    Opened open(BackendOptions backendOptions, Optional<ImportOptions.ClassNames> defaultNames) throws IOException {
        validate();
        if (isKeras()) {
            ImportOptions.Imported keras = importOptions.readKeras(modelFile, defaultNames);
            Model model = Model.fromSaved(keras.saved(), backendOptions.backend(Capability.INFER),
                    backendOptions.device(), precision);
            return new Opened(model, model.backend().name(), model, Optional.of(keras.usage()));
        }
        List<String> givenNames = importOptions.classesGiven() ? importOptions.readClassNames() : List.of();
        Optional<PixelScaling> givenScaling = importOptions.scaling();
        if (isOnnx(modelFile)) {
            if (backendOptions.backend != null && !backendOptions.backend.equals("onnx")) {
                throw new IllegalArgumentException("--backend " + backendOptions.backend + " cannot run " + modelFile
                        + ": ONNX files run on ONNX Runtime; leave --backend out or pass --backend onnx");
            }
            if (precision != Precision.FLOAT32) {
                throw new IllegalArgumentException("--precision " + precision + " cannot run " + modelFile
                        + ": ONNX files run on ONNX Runtime in float32; leave --precision out");
            }
            OnnxClassifier.Options options = OnnxClassifier.Options.defaults().withDevice(backendOptions.device());
            OnnxClassifier onnx = OnnxClassifier.open(modelFile,
                    givenScaling.map(options::withScaling).orElse(options));
            try {
                Optional<List<String>> recordedNames = onnx.metadata().containsKey(OnnxExporter.CLASS_NAMES_KEY)
                        ? Optional.of(onnx.classNames()) : Optional.empty();
                return new Opened(withNames(onnx, onnx.recordedScaling(), recordedNames, givenNames), "onnx", onnx,
                        Optional.empty());
            } catch (RuntimeException e) {
                onnx.close();
                throw e;
            }
        }
        Model model = Model.load(modelFile, backendOptions.backend(Capability.INFER), backendOptions.device(),
                precision);
        try {
            return new Opened(withNames(model, Optional.of(model.inputScaling()), Optional.of(model.classNames()),
                    givenNames), model.backend().name(), model, Optional.empty());
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

    /** The classifier with the class names of {@code --classes}, once they and the scaling fit the file. */
    private ImageClassifier withNames(ImageClassifier classifier, Optional<PixelScaling> recordedScaling,
            Optional<List<String>> recordedNames, List<String> givenNames) {
        Optional<PixelScaling> given = importOptions.scaling();
        if (recordedScaling.isPresent() && given.isPresent()) {
            requireSameScaling(given.get(), recordedScaling.get());
        }
        if (given.isPresent() && given.get().mean().length == 3 && classifier.inputShape().channels() != 3) {
            throw new IllegalArgumentException("--mean and --std with three values need a colour model, but "
                    + modelFile + " takes " + classifier.inputShape().channels() + " channel(s); give one value");
        }
        if (givenNames.isEmpty()) {
            return classifier;
        }
        int outputs = classifier.classNames().size();
        Path classesFile = importOptions.classesFile;
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

    /**
     * Refuses {@code --scale}, {@code --mean} or {@code --std} that differ from what the file records: the
     * model would run on inputs it was not trained on.
     */
    private void requireSameScaling(PixelScaling given, PixelScaling recorded) {
        String recordedScale = Float.toString((float) recorded.scale());
        if (importOptions.scale != null && !given.sameScale(recorded.scale())) {
            throw new IllegalArgumentException("--scale " + importOptions.scale + " contradicts " + modelFile
                    + ", which records input scale " + recordedScale + "; leave --scale out");
        }
        if (importOptions.mean == null && importOptions.std == null) {
            return;
        }
        if (recorded.isScaleOnly()) {
            throw new IllegalArgumentException("--mean and --std are for files that do not record their "
                    + "preprocessing; " + modelFile + " records input scale " + recordedScale + " with no mean or std");
        }
        if (importOptions.mean != null && !sameChannels(given.mean(), recorded.mean())
                || importOptions.std != null && !sameChannels(given.std(), recorded.std())) {
            String options = (importOptions.mean != null ? "--mean " + importOptions.mean : "")
                    + (importOptions.mean != null && importOptions.std != null ? " " : "")
                    + (importOptions.std != null ? "--std " + importOptions.std : "");
            throw new IllegalArgumentException(options + " contradicts " + modelFile + ", which records its "
                    + "preprocessing (" + recorded + "); leave --mean and --std out");
        }
    }

    /** Whether two per-channel values agree, one value standing for every channel. */
    private static boolean sameChannels(float[] a, float[] b) {
        if (a.length == b.length) {
            return Arrays.equals(a, b);
        }
        float[] one = a.length == 1 ? a : b;
        float[] each = a.length == 1 ? b : a;
        for (float value : each) {
            if (value != one[0]) {
                return false;
            }
        }
        return true;
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
