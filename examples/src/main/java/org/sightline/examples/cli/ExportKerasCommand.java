package org.sightline.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sightline.io.ImportedModel;
import org.sightline.io.KerasArchive;
import org.sightline.io.KerasModelFiles;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Writes a model back for Keras users: a Keras 3 {@code .keras} archive. */
@Command(name = "export-keras", mixinStandardHelpOptions = true,
        description = {"Export a model to a Keras 3 .keras archive (config.json, metadata.json, model.weights.h5 in "
                + "Keras's saving_lib layout) that keras.saving.load_model reads. IN is a Sightline model file or a "
                + "Keras file (.h5, .keras, model.json). Keras files hold no preprocessing: the command prints the "
                + "one the model expects."})
final class ExportKerasCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "A Sightline model file, or a Keras model file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The .keras file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (ExportOnnxCommand.sameFile(in, out)) {
            throw new IllegalArgumentException(out + " is the model file IN; write the .keras archive to another file");
        }
        if (out.getFileName() == null || !out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".keras")) {
            throw new IllegalArgumentException("OUT " + out + " must end in .keras, the extension Keras 3's "
                    + "load_model requires");
        }
        if (!Files.isRegularFile(in)) {
            throw new IllegalArgumentException("IN " + in + (Files.exists(in) ? " is not a file" : " does not exist"));
        }
        Network model;
        Weights weights;
        String preprocessing;
        if (KerasModelFiles.detect(in).isPresent()) {
            ImportedModel imported = KerasModelFiles.read(in);
            model = imported.model();
            weights = imported.weights();
            preprocessing = "whatever it was trained with (the Keras file " + in + " does not say)";
        } else {
            SavedModel saved = ModelFile.load(in);
            model = saved.model();
            weights = saved.weights();
            preprocessing = saved.preprocessing() + " (as " + in + " records)";
        }
        Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        KerasArchive.write(target, model, weights);
        spec.commandLine().getOut().printf(Locale.ROOT, "Wrote %s (%,d bytes): model '%s', %,d parameters; it takes "
                + "pixels preprocessed as %s%n", target, Files.size(target), model.name(), model.totalParams(),
                preprocessing);
        return 0;
    }
}
