package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sightline.io.AtomicFile;
import org.sightline.io.ImportedModel;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Converts a Keras model file into a Sightline model file that records what the Keras file does not. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Keras model file (a full-model .h5, a .keras archive, a TensorFlow.js model.json, "
                + "or a weights-only .h5 with --config) into a Sightline model file that every backend loads.",
                "The file records the preprocessing (--scale, --mean, --std; default pixels / 255) and the class "
                        + "names (--classes; default 0, 1, ...) the Keras file does not, so that evaluate, predict, "
                        + "export-onnx and train --resume-from need no such options for it."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "The Keras file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The Sightline model file to write (.safetensors).")
    Path out;

    @Mixin
    ImportOptions importOptions;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        importOptions.validate();
        requireSafeTensorsOutput();
        if (!Files.isRegularFile(in)) {
            throw new IllegalArgumentException("IN " + in + (Files.isDirectory(in) ? " is a folder, not a Keras file"
                    : " does not exist"));
        }
        if (importOptions.kerasFormat(in, "IN").isEmpty()) {
            throw new IllegalArgumentException("IN " + in + " is not a Keras model file: expected a .h5 (HDF5) file, "
                    + "a .keras archive or a TensorFlow.js model.json");
        }
        ImportOptions.Imported keras = importOptions.readKeras(in, Optional.empty());
        console.println("Read " + describe(keras.source()));
        console.println(keras.usage());
        Path target = out.toAbsolutePath();
        SavedModel saved = keras.saved();
        try {
            Files.createDirectories(target.getParent());
            ModelFile.save(target, saved);
        } catch (IOException e) {
            throw new IOException("Cannot write model file " + target + ": " + AtomicFile.reason(e), e);
        }
        console.printf(Locale.ROOT, "Wrote %s (%,d bytes): preprocessing %s, class names %s%n", target,
                Files.size(target), saved.preprocessing(), ImportOptions.abbreviated(saved.classNames()));
        return 0;
    }

    /** Checked before any work: the output must be a new Sightline model file, never the Keras file itself. */
    private void requireSafeTensorsOutput() throws IOException {
        if (ExportOnnxCommand.sameFile(in, out)) {
            throw new IllegalArgumentException("OUT " + out + " is the Keras file IN; write the model file to "
                    + "another file");
        }
        Path name = out.getFileName();
        if (name == null || !name.toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException("OUT " + out + " must end in .safetensors, the extension of the "
                    + "Sightline model file it writes");
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("OUT " + out + " is a folder; give a file name such as "
                    + out.resolve("model.safetensors"));
        }
    }

    /** What the Keras file holds, as one line: format and version, model, size, input, output. */
    private String describe(ImportedModel keras) {
        Network model = keras.model();
        // The format names the Keras version when the file records one.
        String format = keras.format() + (keras.kerasVersion().isEmpty() ? " (no Keras version recorded)" : "");
        return String.format(Locale.ROOT, "%s: %s; %s '%s', %,d parameters, input %s, output %d %s", in,
                format, model.getClass().getSimpleName(), model.name(), model.totalParams(),
                model.inputShape(), model.numClasses(),
                model.outputsLogits() ? "logits (predict applies the softmax)" : "probabilities");
    }
}
