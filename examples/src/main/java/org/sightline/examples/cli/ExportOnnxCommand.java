package org.sightline.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.onnx.OnnxExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Converts a model file from any backend into an ONNX model. */
@Command(name = "export-onnx", mixinStandardHelpOptions = true,
        description = {"Export a model file (from any backend) to ONNX (opset 13): input 'input' NHWC floats "
                + "scaled to [0, 1] with a dynamic batch dimension, output 'probabilities'; class names and "
                + "input scale in the metadata."})
final class ExportOnnxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model file (.safetensors).")
    Path modelFile;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The .onnx file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        requireOnnxOutput();
        SavedModel saved = ModelFile.load(modelFile);
        Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        OnnxExporter.write(saved, target);
        spec.commandLine().getOut().printf("Wrote %s (%,d bytes) from %s%n", target, Files.size(target), modelFile);
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
