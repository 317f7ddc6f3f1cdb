package org.sightline.examples.cli;

import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sightline.spark.BroadcastModel;

/** What the spark commands do with Spark's types, kept out of the command classes (see {@link SparkCommand}). */
final class SparkJobs {
    /** Spark logs every task at INFO; the CLI shows its warnings only, unless the user set a level. */
    private static final List<String> QUIET_LOGGERS = List.of("org.apache.spark", "org.apache.hadoop",
            "org.sparkproject", "io.netty", "org.apache.parquet");

    private SparkJobs() {
    }

    /** A session on {@code master}, without the web UI a command-line run does not need. */
    static SparkSession start(String master, String command) {
        for (String logger : QUIET_LOGGERS) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
        return SparkSession.builder().master(master).appName("sightline spark " + command)
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    /**
     * The model shipped to Spark: opened here first with the checks (and option names) of {@code predict} and
     * {@code evaluate}, then broadcast with the backend, scaling and class names that opening resolved.
     */
    static BroadcastModel broadcast(SparkSession spark, InferenceModelOptions modelOptions,
            BackendOptions backendOptions) throws Exception {
        BroadcastModel.Options options;
        try (InferenceModelOptions.Opened opened = modelOptions.open(backendOptions, Optional.empty())) {
            options = BroadcastModel.Options.defaults().withBackend(opened.runtime());
            if (InferenceModelOptions.isOnnx(modelOptions.modelFile)) {
                options = options.withScaling(opened.classifier().inputScaling())
                        .withClassNames(opened.classifier().classNames());
            }
        }
        return BroadcastModel.of(spark, modelOptions.modelFile, options);
    }

    /** The image files under {@code images} (a folder, searched recursively, a file or a glob pattern). */
    static Dataset<Row> imageFiles(SparkSession spark, String images) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images);
    }
}
