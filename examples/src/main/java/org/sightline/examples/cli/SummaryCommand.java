package org.sightline.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sightline.io.KerasJson;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints Keras's summary table of the reference model or of a Keras JSON config. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print the Keras-style summary of the reference CIFAR-10 model, or of a Keras "
                + "model.to_json() config.")
final class SummaryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "MODEL_JSON",
            description = "A Keras Sequential or Functional config as written by model.to_json() (Keras 2 or 3), "
                    + "or a TensorFlow.js model.json.")
    Path config;

    @Override
    public Integer call() throws Exception {
        Network model = config == null ? ReferenceModels.cifar10Cnn() : KerasJson.modelFromJson(config);
        spec.commandLine().getOut().print(model.summary());
        return 0;
    }
}
