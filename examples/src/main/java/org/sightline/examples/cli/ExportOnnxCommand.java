package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.onnx.OnnxExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Converts a model file from any backend, or a Keras file, into an ONNX model. */
@Command(name = "export-onnx", mixinStandardHelpOptions = true,
        description = {"Export a model file (from any backend) or a Keras file (.h5, .keras, TensorFlow.js "
                + "model.json) to ONNX (opset 13): input 'input' NHWC floats with a dynamic batch dimension, "
                + "output 'probabilities'; class names and preprocessing (input scale, mean and std) in the "
                + "metadata.",
                "A Keras file records neither: its classes are numbered 0, 1, ... unless --classes names them, its "
                        + "inputs are pixels / 255 unless --scale, --mean and --std say otherwise."})
final class ExportOnnxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "A Sightline model file (.safetensors) or a Keras file (.h5, .keras, model.json).")
    Path modelFile;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The .onnx file to write.")
    Path out;

    @Mixin
    ImportOptions importOptions;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        importOptions.validate();
        requireOnnxOutput();
        SavedModel saved;
        if (importOptions.kerasFormat(modelFile, "--model").isPresent()) {
            ImportOptions.Imported keras = importOptions.readKeras(modelFile, Optional.empty());
            console.println(keras.usage());
            saved = keras.saved();
        } else {
            importOptions.requireNoneFor(modelFile, "--model");
            saved = ModelFile.load(modelFile);
        }
        Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        OnnxExporter.write(saved, target);
        console.printf("Wrote %s (%,d bytes) from %s%n", target, Files.size(target), modelFile);
        return 0;
    }

    /** Checked before any work: writing the ONNX bytes over the model would destroy it. */
    private void requireOnnxOutput() throws IOException {
        if (sameFile(modelFile, out)) {
            throw new IllegalArgumentException("--out " + out + " is the --model file; write the ONNX model to "
                    + "another file");
        }
        Path name = out.getFileName();
        if (name == null || !name.toString().endsWith(".onnx")) {
            throw new IllegalArgumentException("--out " + out + " must end in .onnx, the extension of the ONNX file "
                    + "it writes");
        }
    }

    /** Whether {@code a} and {@code b} name one file, through any symbolic or hard link. */
    static boolean sameFile(Path a, Path b) throws IOException {
        if (Files.exists(a) && Files.exists(b)) {
            return Files.isSameFile(a, b);
        }
        return realLocation(a).equals(realLocation(b));
    }

    /** The real path of the file's folder and its name: the file itself need not exist. */
    private static Path realLocation(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        return parent != null && Files.exists(parent)
                ? parent.toRealPath().resolve(absolute.getFileName())
                : absolute;
    }
}
