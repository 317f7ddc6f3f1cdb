package org.sightline.spark;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.sightline.data.DecodedImage;
import org.sightline.inference.EvaluationSums;
import org.sightline.inference.ImageClassifier;
import org.sightline.inference.ImageSizeException;
import org.sightline.inference.Predictor;
import org.sightline.train.Evaluation;
import org.sightline.train.Prediction;

/**
 * Distributed evaluation: scores every labelled image of a DataFrame with a {@link BroadcastModel}, sums
 * loss, correct count and confusion matrix per partition ({@link EvaluationSums}, the sums the
 * single-process evaluation uses) and merges the partitions' sums with a tree aggregation, so the
 * {@link Evaluation} equals {@code classifier.evaluate(...)} on the same images: the same counts, the loss
 * up to the order of a floating-point sum.
 *
 * <p>The label is a class name: a string column ({@link Options#labelColumn()}), or, for image folders
 * with one sub-folder per class, the name of each image's folder. Labels are matched to the model's
 * classes by name, and a set of labels that differs from them is refused, naming both. An image that
 * cannot be scored fails the evaluation with its path, as the single-process evaluation does.
 *
 * <pre>{@code
 * Dataset<Row> test = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load("test/");
 * Evaluation evaluation = new SparkEvaluator(model, SparkEvaluator.Options.defaults()).evaluate(test);
 * System.out.print(evaluation.report());
 * }</pre>
 */
public final class SparkEvaluator {
    /** How many of the images that could not be scored an error names. */
    private static final int NAMED_FAILURES = 3;

    private final BroadcastModel model;
    private final Options options;

    /**
     * How to evaluate.
     *
     * @param batchSize     images per call to the model inside a partition
     * @param resize        whether images of another size are resized to the model's input
     * @param contentColumn the binary column with the image files' bytes; empty for the source's own
     * @param labelColumn   the string column with each image's class name; empty for the name of the
     *                      folder the image is in
     */
    public record Options(int batchSize, boolean resize, Optional<String> contentColumn,
            Optional<String> labelColumn) {

        public Options {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("SparkEvaluator.Options.batchSize must be > 0, got " + batchSize);
            }
            Objects.requireNonNull(contentColumn, "Options.contentColumn");
            Objects.requireNonNull(labelColumn, "Options.labelColumn");
        }

        /** Batches of 256 (as {@code sightline evaluate}), no resizing, labels from the folder names. */
        public static Options defaults() {
            return new Options(256, false, Optional.empty(), Optional.empty());
        }

        public Options withBatchSize(int size) {
            return new Options(size, resize, contentColumn, labelColumn);
        }

        public Options withResize(boolean newResize) {
            return new Options(batchSize, newResize, contentColumn, labelColumn);
        }

        public Options withContentColumn(String column) {
            return new Options(batchSize, resize, Optional.of(column), labelColumn);
        }

        public Options withLabelColumn(String column) {
            return new Options(batchSize, resize, contentColumn, Optional.of(column));
        }
    }

    public SparkEvaluator(BroadcastModel model, Options options) {
        this.model = Objects.requireNonNull(model, "model");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Evaluates the model on {@code images}; runs one Spark job.
     *
     * @throws IllegalArgumentException when the data has no image or label column, no images, labels that
     *                                  differ from the model's class names, or images that cannot be scored
     */
    public Evaluation evaluate(Dataset<Row> images) {
        ImageColumns columns = ImageColumns.of(images.schema(), options.contentColumn());
        Dataset<Row> selected;
        if (options.labelColumn().isPresent()) {
            String label = options.labelColumn().get();
            if (!Arrays.asList(images.schema().fieldNames()).contains(label)) {
                throw new IllegalArgumentException("The label column '" + label + "' is not in the data; its "
                        + "columns are " + Arrays.toString(images.schema().fieldNames()));
            }
            if (!images.schema().apply(label).dataType().equals(DataTypes.StringType)) {
                throw new IllegalArgumentException("The label column '" + label + "' holds "
                        + images.schema().apply(label).dataType().simpleString() + ", expected string (class names)");
            }
            selected = columns.select(images, col(label));
        } else {
            selected = columns.select(images);
        }
        PartitionSums total = selected.javaRDD()
                .mapPartitions(new EvaluatePartition(model, options, columns, options.labelColumn().isPresent()))
                .treeReduce(PartitionSums::merge);
        List<String> classNames = model.classifier().classNames();
        if (total.failed > 0) {
            throw new IllegalArgumentException(total.failed + " image(s) could not be scored, e.g. "
                    + String.join("; ", total.failures));
        }
        String what = options.labelColumn().map(c -> "The labels in column '" + c + "'").orElse("The class folders");
        if (total.sums.count() == 0 && total.unknown.isEmpty()) {
            throw new IllegalArgumentException("No images to evaluate");
        }
        List<String> missing = classNames.stream().filter(name -> !total.seen.contains(name)).toList();
        if (!total.unknown.isEmpty() || !missing.isEmpty()) {
            TreeSet<String> labels = new TreeSet<>(total.seen);
            labels.addAll(total.unknown);
            throw new IllegalArgumentException(what + " " + labels + " differ from the model's class names "
                    + classNames + (missing.isEmpty() ? "" : ": no images of " + missing)
                    + (total.unknown.isEmpty() ? "" : (missing.isEmpty() ? ": " : "; ") + "unexpected labels "
                            + total.unknown));
        }
        return total.sums.toEvaluation(classNames);
    }

    /** What one partition adds up: the evaluation sums, the labels seen, and the images that failed. */
    private static final class PartitionSums implements Serializable {
        private static final long serialVersionUID = 1L;
        final EvaluationSums sums;
        final TreeSet<String> seen = new TreeSet<>();
        final TreeSet<String> unknown = new TreeSet<>();
        final List<String> failures = new ArrayList<>();
        long failed;

        PartitionSums(int classes) {
            sums = new EvaluationSums(classes);
        }

        PartitionSums merge(PartitionSums other) {
            sums.merge(other.sums);
            seen.addAll(other.seen);
            unknown.addAll(other.unknown);
            failed += other.failed;
            for (String failure : other.failures) {
                if (failures.size() < NAMED_FAILURES) {
                    failures.add(failure);
                }
            }
            return this;
        }

        void fail(String message) {
            failed++;
            if (failures.size() < NAMED_FAILURES) {
                failures.add(message);
            }
        }
    }

    /** Runs in a task: scores one partition batch by batch and returns its sums. */
    private static final class EvaluatePartition implements FlatMapFunction<Iterator<Row>, PartitionSums> {
        private static final long serialVersionUID = 1L;
        private final BroadcastModel model;
        private final ImageColumns columns;
        private final boolean labelColumn;
        // The options' fields, not the record: its Optionals are not serializable.
        private final int batchSize;
        private final boolean resize;

        EvaluatePartition(BroadcastModel model, Options options, ImageColumns columns, boolean labelColumn) {
            this.model = model;
            this.batchSize = options.batchSize();
            this.resize = options.resize();
            this.columns = columns;
            this.labelColumn = labelColumn;
        }

        @Override
        public Iterator<PartitionSums> call(Iterator<Row> rows) {
            ImageClassifier classifier = model.classifier();
            List<String> classNames = classifier.classNames();
            Predictor predictor = classifier.predictor(Predictor.Options.defaults().withTopK(1)
                    .withResize(resize));
            PartitionSums partition = new PartitionSums(classNames.size());
            long index = 0;
            while (rows.hasNext()) {
                List<DecodedImage> batch = new ArrayList<>();
                List<Integer> labels = new ArrayList<>();
                while (batch.size() < batchSize && rows.hasNext()) {
                    Row row = rows.next();
                    String path = ImageColumns.path(row);
                    String name = path != null ? path : "row " + index + " of partition";
                    index++;
                    String label = labelColumn ? (row.isNullAt(2) ? null : row.getString(2)) : folderName(path);
                    int classIndex = label == null ? -1 : classNames.indexOf(label);
                    if (label == null) {
                        partition.fail(name + ": no label");
                        continue;
                    }
                    partition.seen.add(label);
                    if (classIndex < 0) {
                        partition.unknown.add(label);
                        continue;
                    }
                    try {
                        batch.add(predictor.fit(columns.decode(row, predictor.colorMode(), name)));
                        labels.add(classIndex);
                    } catch (ImageSizeException e) {
                        partition.fail(new ImageSizeException(Optional.of(name), e.height(), e.width(),
                                e.modelInput()).getMessage());
                    } catch (IOException | IllegalArgumentException e) {
                        partition.fail(e.getMessage());
                    }
                }
                List<Prediction> predictions = predictor.predictDecoded(batch);
                for (int i = 0; i < batch.size(); i++) {
                    partition.sums.add(predictions.get(i).probabilities(), 0, labels.get(i));
                }
            }
            partition.seen.removeAll(partition.unknown);
            return List.of(partition).iterator();
        }

        /** The name of the folder a file is in: its class in an image folder. */
        private static String folderName(String path) {
            if (path == null) {
                return null;
            }
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            int slash = trimmed.lastIndexOf('/');
            if (slash <= 0) {
                return null;
            }
            String folder = trimmed.substring(0, slash);
            String name = folder.substring(folder.lastIndexOf('/') + 1);
            return name.isEmpty() ? null : name;
        }
    }
}
