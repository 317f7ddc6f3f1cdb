package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Batch inference on Spark: one output row per image. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify many images on Spark and write one row per image: path, predicted, probability, top_k, "
                + "error. An image that cannot be classified gets its error in the error column; the others go on.")
final class SparkPredictCommand implements Callable<Integer> {
    /** Formats that cannot hold the top_k column, an array of structs. */
    private static final Set<String> FLAT_FORMATS = Set.of("csv", "text");

    @Spec
    CommandSpec spec;

    @Mixin
    SparkCommand.MasterOptions masterOptions;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    InferenceModelOptions modelOptions;

    @Option(names = "--images", paramLabel = "DIR_OR_GLOB",
            description = "The image files: a folder (searched recursively), a file or a glob pattern such as "
                    + "'photos/*.jpg'.")
    String images;

    @Option(names = "--parquet", paramLabel = "FILE",
            description = "A Parquet file (or folder) with the images' bytes in the column --content-column.")
    String parquet;

    @Option(names = "--content-column", paramLabel = "COL",
            description = "With --parquet: the binary column holding each image file's bytes.")
    String contentColumn;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "Where to write the predictions (Spark writes a folder); must not exist yet.")
    Path out;

    @Option(names = "--format", defaultValue = "parquet", paramLabel = "FORMAT",
            description = "Any Spark format that holds arrays: parquet, json, orc... Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per call to the model in each Spark "
            + "task. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--top", defaultValue = "3",
            description = "How many classes top_k holds, 1 to the model's number of classes. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--resize", description = "Resize images whose size differs from the model's input.")
    boolean resize;

    @Override
    public Integer call() throws Exception {
        validate();
        SparkCommand.requireSparkModel(modelOptions);
        PrintWriter printer = spec.commandLine().getOut();
        SparkPredictJob.Counts counts = SparkPredictJob.run(this);
        printer.printf(Locale.ROOT, "Predicted %,d images (%,d with an error) to %s (%s)%n", counts.rows(),
                counts.errors(), out, format);
        return 0;
    }

    /** Checks the options before Spark starts. */
    private void validate() {
        TrainCommand.requirePositive("--batch-size", batchSize);
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        if ((images == null) == (parquet == null)) {
            throw new IllegalArgumentException(images == null ? "Give the images with --images DIR_OR_GLOB or "
                    + "--parquet FILE --content-column COL" : "Give either --images or --parquet, not both");
        }
        if (parquet != null && contentColumn == null) {
            throw new IllegalArgumentException("--parquet " + parquet + " needs --content-column, the binary column "
                    + "holding the images' bytes");
        }
        if (parquet == null && contentColumn != null) {
            throw new IllegalArgumentException("--content-column is for --parquet; --images reads the files' bytes");
        }
        if (images != null) {
            SparkCommand.requireImages(images);
        }
        if (parquet != null && !parquet.contains("://") && !Files.exists(Path.of(parquet))) {
            throw new IllegalArgumentException("--parquet " + parquet + " does not exist");
        }
        if (FLAT_FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--format " + format + " cannot hold the top_k column (a list of "
                    + "classes); use parquet, json or orc");
        }
        if (Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + " already exists; give a new path (Spark writes a "
                    + "folder there)");
        }
    }
}
