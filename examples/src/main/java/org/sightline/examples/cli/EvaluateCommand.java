package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sightline.data.ImageDataset;
import org.sightline.spi.Backend;
import org.sightline.spi.Capability;
import org.sightline.train.Evaluation;
import org.sightline.train.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Evaluates a model file on a dataset's test images. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a model file on the test set: accuracy, loss, per-class precision and recall, "
                + "confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    DatasetOptions datasetOptions;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model file (.safetensors).")
    Path modelFile;

    @Option(names = "--batch-size", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate the first N test images only.")
    Integer limit;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        datasetOptions.validate();
        Backend backend = backendOptions.backend(Capability.INFER);
        ImageDataset test = datasetOptions.load().test();
        if (limit != null) {
            test = test.take(limit);
        }
        try (Model model = Model.load(modelFile, backend, backendOptions.device())) {
            Evaluation evaluation = model.evaluate(test, batchSize);
            out.print(evaluation.report());
        }
        return 0;
    }
}
