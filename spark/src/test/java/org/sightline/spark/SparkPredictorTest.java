package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
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
import org.sightline.inference.Predictor;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.train.Prediction;

class SparkPredictorTest {
    @TempDir
    static Path dir;

    static SparkSession spark;
    static SparkFixtures fixtures;
    static OnnxClassifier single;
    static BroadcastModel model;

    @BeforeAll
    static void start() throws IOException {
        spark = LocalSpark.start("local[2]");
        fixtures = SparkFixtures.write(dir, 17);
        single = OnnxClassifier.open(fixtures.onnx());
        model = BroadcastModel.of(spark, fixtures.onnx(), BroadcastModel.Options.defaults());
    }

    @AfterAll
    static void stop() {
        single.close();
        spark.stop();
    }

    @Test
    void binaryFileFoldersGetTheSingleProcessPredictions() throws IOException {
        Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(fixtures.images().toString()).repartition(3);
        List<Row> rows = new SparkPredictor(model, SparkPredictor.Options.defaults().withBatchSize(5).withTopK(2))
                .predict(images).collectAsList();
        assertEquals(SparkFixtures.CLASSES.size() * SparkFixtures.PER_CLASS, rows.size());
        for (Row row : rows) {
            assertSameAsSingleProcess(SparkFixtures.local(row.getString(0)), row, 2);
        }
    }

    /**
     * Rows in the layout of Spark's {@code image} source (its ImageSchema, OpenCV's BGR byte order): the
     * source itself lives in spark-mllib, which this build does not carry, so the rows are made here.
     */
    @Test
    void rowsOfSparksImageSourceInBgrGetTheSingleProcessPredictions() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(fixtures.images())) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        List<Row> input = new ArrayList<>();
        for (Path file : files) {
            input.add(RowFactory.create(imageSourceRow(file, 3 + input.size() % 2)));
        }
        StructType imageSchema = new StructType().add("origin", DataTypes.StringType)
                .add("height", DataTypes.IntegerType).add("width", DataTypes.IntegerType)
                .add("nChannels", DataTypes.IntegerType).add("mode", DataTypes.IntegerType)
                .add("data", DataTypes.BinaryType);
        Dataset<Row> images = spark.createDataFrame(input, new StructType().add("image", imageSchema));
        List<Row> rows = new SparkPredictor(model, SparkPredictor.Options.defaults()).predict(images).collectAsList();
        assertEquals(files.size(), rows.size());
        for (Row row : rows) {
            assertSameAsSingleProcess(SparkFixtures.local(row.getString(0)), row, 3);
        }
    }

    /** A PNG as Spark's image source holds it: BGR, or BGRA for 4 channels (OpenCV modes 16 and 24). */
    static Row imageSourceRow(Path file, int channels) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        byte[] data = new byte[image.getHeight() * image.getWidth() * channels];
        int i = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                data[i++] = (byte) rgb;
                data[i++] = (byte) (rgb >> 8);
                data[i++] = (byte) (rgb >> 16);
                if (channels == 4) {
                    data[i++] = (byte) 0xFF;
                }
            }
        }
        return RowFactory.create(file.toUri().toString(), image.getHeight(), image.getWidth(), channels,
                channels == 3 ? 16 : 24, data);
    }

    @Test
    void aParquetBytesColumnGetsTheSingleProcessPredictionsWithoutPaths() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(fixtures.images())) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        List<Row> input = new ArrayList<>();
        for (Path file : files) {
            input.add(RowFactory.create(file.getFileName().toString(), Files.readAllBytes(file)));
        }
        StructType schema = new StructType().add("name", DataTypes.StringType).add("bytes", DataTypes.BinaryType);
        Path parquet = dir.resolve("images.parquet");
        spark.createDataFrame(input, schema).write().parquet(parquet.toString());
        Dataset<Row> fromParquet = spark.read().parquet(parquet.toString());
        List<Row> rows = new SparkPredictor(model, SparkPredictor.Options.defaults().withContentColumn("bytes"))
                .predict(fromParquet.orderBy("name")).collectAsList();
        Map<String, Path> byName = new HashMap<>();
        files.forEach(file -> byName.put(file.getFileName().toString(), file));
        List<String> names = byName.keySet().stream().sorted().toList();
        assertEquals(files.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertNull(rows.get(i).get(0));
            assertSameAsSingleProcess(byName.get(names.get(i)), rows.get(i), 3);
        }
    }

    @Test
    void aCorruptOrWrongSizedImageGetsAnErrorRowAndTheJobGoesOn() throws IOException {
        Path mixed = dir.resolve("mixed");
        Path good = SparkFixtures.image(mixed.resolve("good.png"), 8, 8, 3);
        Path corrupt = Files.writeString(mixed.resolve("corrupt.png"), "not an image");
        Path large = SparkFixtures.image(mixed.resolve("large.png"), 12, 10, 4);
        Dataset<Row> images = spark.read().format("binaryFile").load(mixed.toString());
        Map<String, Row> byFile = new HashMap<>();
        for (Row row : new SparkPredictor(model, SparkPredictor.Options.defaults()).predict(images).collectAsList()) {
            byFile.put(SparkFixtures.local(row.getString(0)).getFileName().toString(), row);
        }
        assertEquals(3, byFile.size());
        assertSameAsSingleProcess(good, byFile.get("good.png"), 3);
        Row bad = byFile.get("corrupt.png");
        assertEquals(bad.getString(0) + ": not an image (expected PNG, JPEG, BMP or GIF)", bad.getString(4));
        assertTrue(bad.isNullAt(1) && bad.isNullAt(2) && bad.isNullAt(3), bad.toString());
        Row wrongSize = byFile.get("large.png");
        assertEquals("Image " + wrongSize.getString(0) + " is 10x12 but the model takes 8x8 images",
                wrongSize.getString(4));
        assertTrue(wrongSize.isNullAt(1));

        Row resized = new SparkPredictor(model, SparkPredictor.Options.defaults().withResize(true))
                .predict(spark.read().format("binaryFile").load(large.toString())).collectAsList().get(0);
        assertNull(resized.get(4));
        Prediction expected = single.predictor(Predictor.Options.defaults().withResize(true)).predict(large);
        assertEquals(expected.best().className(), resized.getString(1));
        assertEquals(expected.best().probability(), resized.getFloat(2), 1e-6);
        assertNotNull(corrupt);
    }

    @Test
    void dataWithoutAnImageColumnIsRefusedNamingItsColumns() {
        Dataset<Row> numbers = spark.range(3).toDF("n");
        SparkPredictor predictor = new SparkPredictor(model, SparkPredictor.Options.defaults());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> predictor.predict(numbers));
        assertEquals("No image column in the data: expected Spark's binaryFile source (path, content), its image "
                + "source (image), or a binary column named as the content column; the columns are [n]", e.getMessage());
        SparkPredictor named = new SparkPredictor(model, SparkPredictor.Options.defaults().withContentColumn("n"));
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class, () -> named.predict(numbers));
        assertEquals("The content column 'n' holds bigint, expected binary (the bytes of an image file)",
                wrongType.getMessage());
        SparkPredictor missing = new SparkPredictor(model, SparkPredictor.Options.defaults().withContentColumn("jpg"));
        assertEquals("The content column 'jpg' is not in the data; its columns are [n]",
                assertThrows(IllegalArgumentException.class, () -> missing.predict(numbers)).getMessage());
        assertEquals("The top 4 classes were asked for, but " + fixtures.onnx() + " has 3 classes",
                assertThrows(IllegalArgumentException.class,
                        () -> new SparkPredictor(model, SparkPredictor.Options.defaults().withTopK(4))).getMessage());
    }

    private static void assertSameAsSingleProcess(Path file, Row row, int k) throws IOException {
        assertNull(row.get(4), () -> "error in " + row);
        Prediction expected = single.predictor(Predictor.Options.defaults().withTopK(k)).predict(file);
        assertEquals(expected.best().className(), row.getString(1), file.toString());
        assertEquals(expected.best().probability(), row.getFloat(2), 1e-6, file.toString());
        List<Row> top = row.getList(3);
        assertEquals(k, top.size());
        for (int i = 0; i < k; i++) {
            assertEquals(expected.top().get(i).className(), top.get(i).getString(0));
            assertEquals(expected.top().get(i).probability(), top.get(i).getFloat(1), 1e-6);
        }
    }
}
