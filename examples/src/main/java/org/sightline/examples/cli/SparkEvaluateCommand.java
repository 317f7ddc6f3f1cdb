package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sightline.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Distributed evaluation on Spark over a folder of class sub-folders. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a model file on Spark over a folder with one sub-folder per class: accuracy, loss, "
                + "per-class precision and recall, confusion matrix, as `sightline evaluate` prints them.")
final class SparkEvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SparkCommand.MasterOptions masterOptions;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    InferenceModelOptions modelOptions;

    @Option(names = "--images", required = true, paramLabel = "DIR",
            description = "A folder with one sub-folder of images per class, named as the model's classes.")
    String images;

    @Option(names = "--batch-size", defaultValue = "256", description = "Images per call to the model in each Spark "
            + "task. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--resize", description = "Resize images whose size differs from the model's input.")
    boolean resize;

    @Override
    public Integer call() throws Exception {
        TrainCommand.requirePositive("--batch-size", batchSize);
        SparkCommand.requireImages(images);
        SparkCommand.requireSparkModel(modelOptions);
        Evaluation evaluation = SparkEvaluateJob.run(this);
        PrintWriter out = spec.commandLine().getOut();
        out.print(evaluation.report());
        out.printf(Locale.ROOT, "Scored %,d images of %s on Spark (%s)%n", evaluation.count(), images,
                masterOptions.master());
        return 0;
    }
}
