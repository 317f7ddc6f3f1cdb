package org.sightline.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline spark}: the commands that run on Apache Spark, in local mode ({@code --master local[2]})
 * or on a cluster. No Spark type appears in a command's fields or methods (picocli reads those for every
 * command line); {@link SparkJobs} holds them, so Spark's classes load only when a spark command runs and
 * the other commands start as fast as before.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = "Run on Apache Spark: batch inference over many images, distributed evaluation and "
                + "data-parallel training.",
        subcommands = {SparkPredictCommand.class, SparkEvaluateCommand.class, SparkTrainCommand.class})
final class SparkCommand {

    /** The {@code --master} option. */
    static final class MasterOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Where Spark runs: local[N] for N threads of this machine, spark://host:7077 or yarn. "
                        + "Default: the one spark-submit sets, else local[*].")
        String master;

        /** The option, else the master spark-submit passes as {@code spark.master}, else all local cores. */
        String master() {
            return master != null ? master : System.getProperty("spark.master", "local[*]");
        }
    }

    /** Checks that {@code --images} names a folder or file that exists, or is a glob pattern or a URL. */
    static void requireImages(String images) {
        if (images.chars().noneMatch(c -> "*?[{".indexOf(c) >= 0) && !images.contains("://")
                && !Files.exists(Path.of(images))) {
            throw new IllegalArgumentException("--images " + images + " does not exist; give a folder of images or a "
                    + "glob pattern such as 'photos/*.jpg'");
        }
    }

    /**
     * Checks {@code --model} before Spark starts: the executors read the file themselves, and read Sightline
     * model files and ONNX files only.
     */
    static void requireSparkModel(InferenceModelOptions modelOptions) throws IOException {
        modelOptions.validate();
        if (modelOptions.isKeras()) {
            throw new IllegalArgumentException("--model " + modelOptions.modelFile + " is a Keras file; the spark "
                    + "commands take Sightline model files and ONNX files: convert it first with sightline convert "
                    + modelOptions.modelFile + " MODEL.safetensors");
        }
    }
}
