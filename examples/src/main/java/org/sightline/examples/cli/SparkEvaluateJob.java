package org.sightline.examples.cli;

import org.apache.spark.sql.SparkSession;
import org.sightline.spark.BroadcastModel;
import org.sightline.spark.SparkEvaluator;
import org.sightline.train.Evaluation;

/** The Spark work of {@link SparkEvaluateCommand}, kept out of the command class (see {@link SparkCommand}). */
final class SparkEvaluateJob {
    private SparkEvaluateJob() {
    }

    static Evaluation run(SparkEvaluateCommand command) throws Exception {
        SparkSession spark = SparkJobs.start(command.masterOptions.master(), "evaluate");
        try {
            BroadcastModel model = SparkJobs.broadcast(spark, command.modelOptions, command.backendOptions);
            return new SparkEvaluator(model, SparkEvaluator.Options.defaults().withBatchSize(command.batchSize)
                    .withResize(command.resize)).evaluate(SparkJobs.imageFiles(spark, command.images));
        } finally {
            spark.stop();
        }
    }
}
