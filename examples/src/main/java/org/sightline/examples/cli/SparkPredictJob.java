package org.sightline.examples.cli;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sightline.spark.BroadcastModel;
import org.sightline.spark.SparkPredictor;

/** The Spark work of {@link SparkPredictCommand}, kept out of the command class (see {@link SparkCommand}). */
final class SparkPredictJob {
    /** What was written: rows, and rows with an error. */
    record Counts(long rows, long errors) {
    }

    private SparkPredictJob() {
    }

    static Counts run(SparkPredictCommand command) throws Exception {
        SparkSession spark = SparkJobs.start(command.masterOptions.master(), "predict");
        try {
            BroadcastModel model = SparkJobs.broadcast(spark, command.modelOptions, command.backendOptions);
            int classes = model.classifier().classNames().size();
            if (command.top > classes) {
                throw new IllegalArgumentException("--top must be between 1 and " + classes + " (the classes of "
                        + command.modelOptions.modelFile + "), got " + command.top);
            }
            SparkPredictor.Options options = SparkPredictor.Options.defaults().withBatchSize(command.batchSize)
                    .withTopK(command.top).withResize(command.resize);
            Dataset<Row> images;
            if (command.parquet != null) {
                images = spark.read().parquet(command.parquet);
                options = options.withContentColumn(command.contentColumn);
            } else {
                images = SparkJobs.imageFiles(spark, command.images);
            }
            Dataset<Row> predictions = new SparkPredictor(model, options).predict(images);
            String out = command.out.toAbsolutePath().toString();
            predictions.write().format(command.format).save(out);
            Dataset<Row> written = spark.read().schema(SparkPredictor.SCHEMA).format(command.format).load(out);
            return new Counts(written.count(), written.filter(col("error").isNotNull()).count());
        } finally {
            spark.stop();
        }
    }
}
