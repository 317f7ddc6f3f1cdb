package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.ImageDataset;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

/** With a Spark checkpoint directory the training records are checkpointed there, with the same result. */
class SparkTrainerCheckpointDirectoryTest {
    private static final Shape SHAPE = Shape.image(8, 8, 3);

    @Test
    void trainsFromRecordsCheckpointedToTheDirectoryAsFromLocallyCheckpointedOnes(@TempDir Path dir)
            throws Exception {
        Sequential model = ReferenceModels.smallCnn(SHAPE, 4);
        ImageDataset train = SyntheticImages.bands(64, SHAPE, 4, 5);
        try (SparkSession spark = LocalSpark.start("local[2]")) {
            SparkTrainer trainer = SparkTrainer.builder(spark).backend("tensorflow").replicas(2).stepsPerRound(2)
                    .batchSize(16).epochs(1).seed(21).build();
            SparkTrainingHistory local = trainer.fit(model, train, null);

            spark.sparkContext().setCheckpointDir(dir.toString());
            SparkTrainingHistory reliable = trainer.fit(model, train, null);

            assertEquals(local.model().weights(), reliable.model().weights());
            try (Stream<Path> files = Files.walk(dir)) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("part-")),
                        "no checkpointed partition in " + dir);
            }
        }
    }
}
