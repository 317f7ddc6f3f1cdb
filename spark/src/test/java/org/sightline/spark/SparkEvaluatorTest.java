package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.data.ImageDataset;
import org.sightline.data.ImageFolder;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.train.Evaluation;

class SparkEvaluatorTest {
    @TempDir
    static Path dir;

    static SparkSession spark;
    static SparkFixtures fixtures;
    static BroadcastModel model;
    static Evaluation single;

    @BeforeAll
    static void start() throws IOException {
        spark = LocalSpark.start("local[2]");
        fixtures = SparkFixtures.write(dir, 23);
        model = BroadcastModel.of(spark, fixtures.onnx(), BroadcastModel.Options.defaults());
        try (OnnxClassifier classifier = OnnxClassifier.open(fixtures.onnx())) {
            ImageDataset test = ImageFolder.load(fixtures.images(), ImageFolder.Options.defaults()
                    .withClassNames(classifier.classNames()));
            single = classifier.evaluate(test, 256);
        }
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void classFoldersAcrossPartitionsGiveTheSingleProcessEvaluation() {
        Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(fixtures.images().toString()).repartition(3);
        Evaluation distributed = new SparkEvaluator(model, SparkEvaluator.Options.defaults().withBatchSize(5))
                .evaluate(images);
        assertSame(single, distributed);
    }

    @Test
    void aLabelColumnOfAParquetFileGivesTheSingleProcessEvaluation() throws IOException {
        List<Row> input = new ArrayList<>();
        for (Path file : files()) {
            input.add(RowFactory.create(file.getParent().getFileName().toString(), Files.readAllBytes(file)));
        }
        StructType schema = new StructType().add("label", DataTypes.StringType).add("png", DataTypes.BinaryType);
        Path parquet = dir.resolve("labelled.parquet");
        spark.createDataFrame(input, schema).write().parquet(parquet.toString());
        Evaluation distributed = new SparkEvaluator(model, SparkEvaluator.Options.defaults().withContentColumn("png")
                .withLabelColumn("label")).evaluate(spark.read().parquet(parquet.toString()));
        assertSame(single, distributed);
    }

    @Test
    void classFoldersThatDifferFromTheModelsClassesAreRefusedNamingBoth() throws IOException {
        Path other = dir.resolve("other");
        SparkFixtures.image(other.resolve("cat").resolve("a.png"), 8, 8, 1);
        SparkFixtures.image(other.resolve("dog").resolve("b.png"), 8, 8, 2);
        SparkFixtures.image(other.resolve("wolf").resolve("c.png"), 8, 8, 3);
        Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(other.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SparkEvaluator(model, SparkEvaluator.Options.defaults()).evaluate(images));
        assertEquals("The class folders [cat, dog, wolf] differ from the model's class names [cat, dog, fox]: no "
                + "images of [fox]; unexpected labels [wolf]", e.getMessage());
    }

    @Test
    void anImageThatCannotBeScoredFailsTheEvaluationNamingIt() throws IOException {
        Path broken = dir.resolve("broken");
        for (String name : SparkFixtures.CLASSES) {
            SparkFixtures.image(broken.resolve(name).resolve("ok.png"), 8, 8, name.length());
        }
        Path corrupt = Files.writeString(broken.resolve("dog").resolve("corrupt.png"), "not an image");
        Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(broken.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SparkEvaluator(model, SparkEvaluator.Options.defaults()).evaluate(images));
        assertEquals("1 image(s) could not be scored, e.g. " + corrupt.toUri().toString().replace("file:///", "file:/")
                + ": not an image (expected PNG, JPEG, BMP or GIF)", e.getMessage());
    }

    private static void assertSame(Evaluation expected, Evaluation actual) {
        assertEquals(expected.classNames(), actual.classNames());
        assertEquals(expected.count(), actual.count());
        assertArrayEquals(expected.confusion(), actual.confusion());
        assertEquals(expected.accuracy(), actual.accuracy());
        assertEquals(expected.loss(), actual.loss(), 1e-6);
    }

    private static List<Path> files() throws IOException {
        try (Stream<Path> walk = Files.walk(fixtures.images())) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
