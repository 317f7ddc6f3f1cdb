package org.sightline.examples.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.sightline.dl4j.Dl4jBenchmark;
import org.sightline.model.ReferenceModels;
import org.sightline.onnx.OnnxBenchmark;
import org.sightline.tensorflow.TensorFlowBenchmark;

/**
 * The backends' benchmark figures side by side, each against its baseline: the TensorFlow backend
 * against the same model as a plain TensorFlow graph, the ONNX backend against a bare
 * {@code OrtSession}, DL4J and ONNX against the TensorFlow backend. Every ratio is a speed ratio:
 * above 1 the backend is faster than its baseline, below 1 slower, whatever the unit.
 *
 * @param tensorflow the TensorFlow benchmark's result, if it ran
 * @param onnx       the ONNX benchmark's result, if it ran
 * @param dl4j       the DL4J benchmark's result, if it ran
 */
public record BenchmarkTable(Optional<TensorFlowBenchmark.Result> tensorflow, Optional<OnnxBenchmark.Result> onnx,
        Optional<Dl4jBenchmark.Result> dl4j) {
    /** The TensorFlow benchmark's batch sizes (its Result does not carry them). */
    static final int TF_TRAIN_BATCH = ReferenceModels.CIFAR10_BATCH_SIZE;
    static final int TF_INFERENCE_BATCH = 256;

    /**
     * One figure of a backend and of its baseline.
     *
     * @param baseline NaN where no baseline ran
     */
    public record Line(String backend, String versus, String figure, String unit, double measured, double baseline) {

        /** How many times faster than the baseline: inverse of the times for milliseconds. */
        public double speedRatio() {
            return unit.equals("ms") ? baseline / measured : measured / baseline;
        }
    }

    public List<Line> lines() {
        List<Line> lines = new ArrayList<>();
        tensorflow.ifPresent(tf -> {
            lines.add(new Line("tensorflow", "plain TF graph", "training step, batch " + TF_TRAIN_BATCH, "ms",
                    tf.backendStepMs(), tf.plainStepMs()));
            lines.add(new Line("tensorflow", "plain TF graph", "inference, batch " + TF_INFERENCE_BATCH, "img/s",
                    tf.backendImagesPerSecond(), tf.plainImagesPerSecond()));
        });
        onnx.ifPresent(o -> {
            lines.add(new Line("onnx", "bare OrtSession", "inference, batch " + o.settings().batchSize(), "img/s",
                    o.backendImagesPerSecond(), o.bareImagesPerSecond()));
            lines.add(new Line("onnx", "bare OrtSession", "latency, batch 1", "ms", o.backendLatencyMillis(),
                    o.bareLatencyMillis()));
        });
        dl4j.ifPresent(d -> {
            double tfStep = tensorflow.map(TensorFlowBenchmark.Result::backendStepMs).orElse(Double.NaN);
            double tfImages = tensorflow.map(TensorFlowBenchmark.Result::backendImagesPerSecond).orElse(Double.NaN);
            String versus = tensorflow.isPresent() ? "tensorflow backend" : "(tensorflow not run)";
            lines.add(new Line("dl4j", versus, "training step, batch " + Dl4jBenchmark.TRAIN_BATCH, "ms",
                    d.medianStepSeconds() * 1000, tfStep));
            lines.add(new Line("dl4j", versus, "inference, batch " + Dl4jBenchmark.INFERENCE_BATCH, "img/s",
                    d.inferenceImagesPerSecond(), tfImages));
        });
        onnx.filter(o -> o.settings().batchSize() == TF_INFERENCE_BATCH).ifPresent(o -> tensorflow.ifPresent(tf ->
                lines.add(new Line("onnx", "tensorflow backend", "inference, batch " + TF_INFERENCE_BATCH, "img/s",
                        o.backendImagesPerSecond(), tf.backendImagesPerSecond()))));
        return lines;
    }

    /** The lines as an aligned table, then each benchmark's own report with memory and machine figures. */
    public String table() {
        String format = "%-10s  %-20s  %-24s  %12s  %12s  %11s%n";
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, format, "backend", "versus", "figure",
                "backend", "baseline", "speed ratio"));
        for (Line line : lines()) {
            s.append(String.format(Locale.ROOT, format, line.backend(), line.versus(), line.figure(),
                    figure(line.measured(), line.unit()), figure(line.baseline(), line.unit()),
                    Double.isNaN(line.speedRatio()) ? "-" : String.format(Locale.ROOT, "%.3f", line.speedRatio())));
        }
        s.append("speed ratio: above 1 the backend is faster than its baseline.").append(System.lineSeparator());
        tensorflow.ifPresent(tf -> s.append(System.lineSeparator()).append(tf.report()).append(System.lineSeparator()));
        onnx.ifPresent(o -> s.append(System.lineSeparator()).append(o.report()).append(System.lineSeparator()));
        dl4j.ifPresent(d -> s.append(System.lineSeparator()).append(d).append(System.lineSeparator()));
        return s.toString();
    }

    private static String figure(double value, String unit) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return unit.equals("ms") ? String.format(Locale.ROOT, "%.2f ms", value)
                : String.format(Locale.ROOT, "%,.0f img/s", value);
    }
}
