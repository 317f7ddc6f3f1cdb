package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.data.PixelScaling;
import org.sightline.io.ModelFileException;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.train.Model;
import org.sightline.train.Prediction;

class BroadcastModelTest {
    @TempDir
    static Path dir;

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[2]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void tasksOfOneJvmShareOneOpenedModel() throws IOException {
        SparkFixtures fixtures = SparkFixtures.write(Files.createDirectories(dir.resolve("once")), 31);
        int before = ExecutorModels.openedCount();
        BroadcastModel model = BroadcastModel.of(spark, fixtures.onnx(), BroadcastModel.Options.defaults());
        Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(fixtures.images().toString()).repartition(4);
        long predicted = new SparkPredictor(model, SparkPredictor.Options.defaults().withBatchSize(4))
                .predict(images).filter("error is null").count();
        assertEquals(SparkFixtures.CLASSES.size() * SparkFixtures.PER_CLASS, predicted);
        assertEquals(4, images.javaRDD().getNumPartitions());
        assertEquals(1, ExecutorModels.openedCount() - before);
        assertSame(model.classifier(), model.classifier());
    }

    @Test
    void aSightlineModelFileRunsOnTensorFlowWithThatBackendsPredictions() throws IOException {
        SparkFixtures fixtures = SparkFixtures.write(Files.createDirectories(dir.resolve("tf")), 37);
        BroadcastModel model = BroadcastModel.of(spark, fixtures.safetensors(),
                BroadcastModel.Options.defaults().withBackend("tensorflow"));
        List<Row> rows = new SparkPredictor(model, SparkPredictor.Options.defaults()).predict(spark.read()
                .format("binaryFile").option("recursiveFileLookup", "true").load(fixtures.images().toString()))
                .collectAsList();
        try (Model single = Model.load(fixtures.safetensors(), Backends.get("tensorflow"), Device.cpu())) {
            for (Row row : rows) {
                assertNull(row.get(4));
                Prediction expected = single.predictor().predict(SparkFixtures.local(row.getString(0)));
                assertEquals(expected.best().className(), row.getString(1));
                assertEquals(expected.best().probability(), row.getFloat(2), 1e-6);
            }
        }
    }

    @Test
    void aForeignOnnxFileTakesTheGivenClassNamesAndScaling() throws IOException {
        SparkFixtures fixtures = SparkFixtures.write(Files.createDirectories(dir.resolve("foreign")), 41);
        BroadcastModel model = BroadcastModel.of(spark, fixtures.foreign(), BroadcastModel.Options.defaults()
                .withClassNames(List.of("a", "b", "c")).withScaling(PixelScaling.of(1 / 127.5)));
        assertEquals(List.of("a", "b", "c"), model.classifier().classNames());
        assertEquals(PixelScaling.of(1 / 127.5), model.classifier().inputScaling());
    }

    @Test
    void filesAndOptionsThatCannotBeOpenedAreRefusedNamingTheFile() throws IOException {
        SparkFixtures fixtures = SparkFixtures.write(Files.createDirectories(dir.resolve("bad")), 43);
        Path missing = dir.resolve("missing.onnx");
        assertEquals(missing + ": no such model file", assertThrows(ModelFileException.class,
                () -> BroadcastModel.of(spark, missing, BroadcastModel.Options.defaults())).getMessage());
        assertEquals("Backend tensorflow cannot run " + fixtures.onnx() + ": ONNX files run on ONNX Runtime; choose "
                + "the onnx backend", assertThrows(IllegalArgumentException.class, () -> BroadcastModel.of(spark,
                        fixtures.onnx(), BroadcastModel.Options.defaults().withBackend("tensorflow"))).getMessage());
        assertEquals("Class names [a, b, c] were given for " + fixtures.safetensors() + ", which records its own "
                + "class names [cat, dog, fox]; leave the class names out", assertThrows(IllegalArgumentException.class,
                        () -> BroadcastModel.of(spark, fixtures.safetensors(), BroadcastModel.Options.defaults()
                                .withClassNames(List.of("a", "b", "c")))).getMessage());
        Path truncated = Files.write(dir.resolve("truncated.safetensors"),
                Arrays.copyOf(Files.readAllBytes(fixtures.safetensors()), 200));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BroadcastModel.of(spark, truncated, BroadcastModel.Options.defaults()));
        assertEquals(truncated + ": header length 5640 (bytes 0-7) runs past the end of the file (200 bytes): the file "
                + "is truncated or not a safetensors file", e.getMessage());
    }
}
