package org.sightline.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sightline.data.DecodedImage;
import org.sightline.inference.ImageSizeException;
import org.sightline.inference.Predictor;
import org.sightline.train.Prediction;

/**
 * Batch inference on Spark: classifies every image of a DataFrame with a {@link BroadcastModel}, in
 * batches inside each partition, and gives one row per image with the columns of {@link #SCHEMA}:
 * {@code path} (null where the input has none), {@code predicted} (a class name), {@code probability},
 * {@code top_k} (an array of {@code class_name}, {@code probability} structs, most probable first) and
 * {@code error}. An image that cannot be used (not decodable, of another size than the model's input
 * when resizing is off) gives a row with {@code error} set and the other columns null; the job goes on.
 *
 * <p>The images come from Spark's {@code binaryFile} source, its {@code image} source, or any binary
 * column (see {@link Options#contentColumn()}), e.g. of a Parquet file.
 *
 * <p>Each partition opens no model (its JVM shares one) but costs a task: {@code binaryFile} counts every
 * small file as {@code spark.sql.files.openCostInBytes} (4 MB), so 2,000 CIFAR-sized PNGs become 63
 * partitions of about 32 images; on {@code local[2]} coalescing them to 2 made the same job 2.4 times
 * faster. Coalesce, or raise the open cost, where images are small.
 *
 * <pre>{@code
 * BroadcastModel model = BroadcastModel.of(spark, Path.of("model.onnx"), BroadcastModel.Options.defaults());
 * Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load("photos/");
 * new SparkPredictor(model, SparkPredictor.Options.defaults().withTopK(5))
 *         .predict(images).write().parquet("predictions.parquet");
 * }</pre>
 */
public final class SparkPredictor {
    /** The output columns. */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, true)
            .add("predicted", DataTypes.StringType, true)
            .add("probability", DataTypes.FloatType, true)
            .add("top_k", DataTypes.createArrayType(new StructType()
                    .add("class_name", DataTypes.StringType, false)
                    .add("probability", DataTypes.FloatType, false), false), true)
            .add("error", DataTypes.StringType, true);

    private final BroadcastModel model;
    private final Options options;

    /**
     * How to predict.
     *
     * @param batchSize     images per call to the model inside a partition
     * @param topK          classes in {@code top_k}; 1 to the number of classes
     * @param resize        whether images of another size are resized to the model's input (bilinear, as
     *                      {@code sightline predict --resize}) instead of getting an error
     * @param contentColumn the binary column that holds the image files' bytes; empty for Spark's
     *                      {@code image} struct or the {@code content} column of its {@code binaryFile} source
     */
    public record Options(int batchSize, int topK, boolean resize, Optional<String> contentColumn) {

        public Options {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("SparkPredictor.Options.batchSize must be > 0, got " + batchSize);
            }
            if (topK <= 0) {
                throw new IllegalArgumentException("SparkPredictor.Options.topK must be > 0, got " + topK);
            }
            Objects.requireNonNull(contentColumn, "Options.contentColumn");
        }

        /** Batches of 64, the top 3 classes, no resizing, the source's own image column. */
        public static Options defaults() {
            return new Options(64, 3, false, Optional.empty());
        }

        public Options withBatchSize(int size) {
            return new Options(size, topK, resize, contentColumn);
        }

        public Options withTopK(int k) {
            return new Options(batchSize, k, resize, contentColumn);
        }

        public Options withResize(boolean newResize) {
            return new Options(batchSize, topK, newResize, contentColumn);
        }

        public Options withContentColumn(String column) {
            return new Options(batchSize, topK, resize, Optional.of(column));
        }
    }

    public SparkPredictor(BroadcastModel model, Options options) {
        this.model = Objects.requireNonNull(model, "model");
        this.options = Objects.requireNonNull(options, "options");
        // Checked here, on the driver, rather than in every task.
        predictor(model, options);
    }

    /**
     * The predictions of {@code images}, one row per input row, computed lazily when the result is
     * written or collected.
     *
     * @throws IllegalArgumentException naming the columns when {@code images} has no image column
     */
    public Dataset<Row> predict(Dataset<Row> images) {
        ImageColumns columns = ImageColumns.of(images.schema(), options.contentColumn());
        return columns.select(images).mapPartitions(new PredictPartition(model, options, columns),
                Encoders.row(SCHEMA));
    }

    private static Predictor predictor(BroadcastModel model, Options options) {
        int classes = model.classifier().classNames().size();
        if (options.topK() > classes) {
            throw new IllegalArgumentException("The top " + options.topK() + " classes were asked for, but "
                    + model.source() + " has " + classes + " classes");
        }
        return model.classifier().predictor(Predictor.Options.defaults().withTopK(options.topK())
                .withResize(options.resize()));
    }

    /** Runs in a task: the rows of one partition, batch by batch, as they are pulled. */
    private static final class PredictPartition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final BroadcastModel model;
        private final ImageColumns columns;
        // The options' fields, not the record: its Optional is not serializable.
        private final int batchSize;
        private final int topK;
        private final boolean resize;

        PredictPartition(BroadcastModel model, Options options, ImageColumns columns) {
            this.model = model;
            this.columns = columns;
            this.batchSize = options.batchSize();
            this.topK = options.topK();
            this.resize = options.resize();
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Predictor predictor = predictor(model, new Options(batchSize, topK, resize, Optional.empty()));
            return new Iterator<>() {
                private Iterator<Row> batch = List.<Row>of().iterator();
                private long index;

                @Override
                public boolean hasNext() {
                    while (!batch.hasNext() && rows.hasNext()) {
                        batch = nextBatch().iterator();
                    }
                    return batch.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return batch.next();
                }

                private List<Row> nextBatch() {
                    List<String> paths = new ArrayList<>();
                    List<String> errors = new ArrayList<>();
                    List<DecodedImage> good = new ArrayList<>();
                    while (paths.size() < batchSize && rows.hasNext()) {
                        Row row = rows.next();
                        String path = ImageColumns.path(row);
                        String name = path != null ? path : "row " + index + " of partition";
                        index++;
                        paths.add(path);
                        try {
                            good.add(predictor.fit(columns.decode(row, predictor.colorMode(), name)));
                            errors.add(null);
                        } catch (ImageSizeException e) {
                            errors.add(new ImageSizeException(Optional.of(name), e.height(), e.width(), e.modelInput())
                                    .getMessage());
                        } catch (IOException | IllegalArgumentException e) {
                            errors.add(e.getMessage());
                        }
                    }
                    Iterator<Prediction> predictions = predictor.predictDecoded(good).iterator();
                    List<Row> out = new ArrayList<>(paths.size());
                    for (int i = 0; i < paths.size(); i++) {
                        out.add(errors.get(i) != null ? RowFactory.create(paths.get(i), null, null, null, errors.get(i))
                                : toRow(paths.get(i), predictions.next()));
                    }
                    return out;
                }
            };
        }

        private static Row toRow(String path, Prediction prediction) {
            List<Prediction.ClassScore> top = prediction.top();
            Row[] topK = new Row[top.size()];
            for (int i = 0; i < topK.length; i++) {
                topK[i] = RowFactory.create(top.get(i).className(), top.get(i).probability());
            }
            return RowFactory.create(path, prediction.best().className(), prediction.best().probability(),
                    topK, null);
        }
    }
}
