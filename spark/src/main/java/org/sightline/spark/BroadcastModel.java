package org.sightline.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.sightline.inference.ImageClassifier;
import org.sightline.data.PixelScaling;
import org.sightline.io.ModelFileException;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.train.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model file shipped to a Spark cluster once: its bytes are broadcast (each executor fetches them a
 * single time, whatever the number of tasks), and each JVM opens them once as an {@link ImageClassifier}
 * that all its tasks share ({@link ExecutorModels}). The file is a Sightline {@code .safetensors} model
 * or an {@code .onnx} file, Sightline's own export or another tool's image classifier with the pixel
 * scaling and class names the user gives.
 *
 * <p>The driver opens the model too, through the same per-JVM cache, so a file that cannot be opened
 * fails here, before any job starts, and local mode opens it once in all.
 *
 * <pre>{@code
 * BroadcastModel model = BroadcastModel.of(spark, Path.of("model.onnx"), BroadcastModel.Options.defaults());
 * Dataset<Row> predictions = new SparkPredictor(model, SparkPredictor.Options.defaults())
 *         .predict(spark.read().format("binaryFile").load("photos/"));
 * }</pre>
 */
public final class BroadcastModel implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BroadcastModel.class);

    private final Broadcast<byte[]> bytes;
    private final String source;
    private final String key;
    private final boolean onnx;
    private final String backend;
    private final double scale;
    private final float[] mean;
    private final float[] std;
    private final boolean scalingGiven;
    private final List<String> classNames;

    /**
     * How to open the model.
     *
     * @param backend    the backend that runs a Sightline model file: any that can infer; ONNX files always
     *                   run on ONNX Runtime, so only "onnx" is accepted for them
     * @param scaling    for ONNX files that do not record it: how pixels become input values; empty for the
     *                   recorded scale, else 1/255
     * @param classNames for ONNX files without class names: the names in output order; empty for the
     *                   recorded ones. Names that contradict recorded ones are refused.
     */
    public record Options(String backend, Optional<PixelScaling> scaling, List<String> classNames) {

        public Options {
            Objects.requireNonNull(backend, "Options.backend");
            Objects.requireNonNull(scaling, "Options.scaling");
            classNames = List.copyOf(classNames);
        }

        /** The ONNX backend, the scaling and class names the file records. */
        public static Options defaults() {
            return new Options("onnx", Optional.empty(), List.of());
        }

        public Options withBackend(String name) {
            return new Options(name, scaling, classNames);
        }

        public Options withScaling(PixelScaling newScaling) {
            return new Options(backend, Optional.of(newScaling), classNames);
        }

        public Options withClassNames(List<String> names) {
            return new Options(backend, scaling, names);
        }
    }

    private BroadcastModel(Broadcast<byte[]> bytes, String source, String key, boolean onnx, Options options) {
        this.bytes = bytes;
        this.source = source;
        this.key = key;
        this.onnx = onnx;
        this.backend = options.backend();
        PixelScaling scaling = options.scaling().orElse(PixelScaling.SIGHTLINE);
        this.scale = scaling.scale();
        this.mean = scaling.mean();
        this.std = scaling.std();
        this.scalingGiven = options.scaling().isPresent();
        this.classNames = List.copyOf(options.classNames());
    }

    /**
     * Reads {@code file}, broadcasts its bytes and opens it on the driver to check it.
     *
     * @throws ModelFileException       when the file cannot be read
     * @throws IllegalArgumentException when it is not a model the options can open, naming the file
     */
    public static BroadcastModel of(SparkSession spark, Path file, Options options) throws IOException {
        if (Files.isDirectory(file)) {
            throw new ModelFileException(file, "is a directory, expected a model file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, "no such model file");
        }
        boolean onnx = !OnnxClassifier.isSafeTensors(file);
        if (onnx && !options.backend().equalsIgnoreCase("onnx")) {
            throw new IllegalArgumentException("Backend " + options.backend() + " cannot run " + file
                    + ": ONNX files run on ONNX Runtime; choose the onnx backend");
        }
        byte[] content = Files.readAllBytes(file);
        String key = key(content, options);
        Broadcast<byte[]> broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(content);
        BroadcastModel model = new BroadcastModel(broadcast, file.toString(), key, onnx, options);
        model.classifier();
        return model;
    }

    /**
     * The model opened in this JVM, opened on the first call and shared by every later call and task
     * (see {@link ExecutorModels}); thread-safe.
     */
    public ImageClassifier classifier() {
        return ExecutorModels.get(key, () -> open(bytes.value()));
    }

    /** The model file's name, for messages. */
    public String source() {
        return source;
    }

    private ImageClassifier open(byte[] content) {
        Optional<PixelScaling> scaling = scalingGiven ? Optional.of(PixelScaling.of(scale, mean, std))
                : Optional.empty();
        if (onnx) {
            OnnxClassifier.Options options = OnnxClassifier.Options.defaults().withClassNames(classNames);
            return checked(OnnxClassifier.fromBytes(content, source, scaling.map(options::withScaling).orElse(options)),
                    Optional.empty());
        }
        Path copy = null;
        try {
            // Model files are read from a path; the copy lives only while the model is read.
            copy = Files.createTempFile("sightline-model", ".safetensors");
            Files.write(copy, content);
            return checked(Model.load(copy, Backends.get(backend), Device.cpu()), scaling);
        } catch (IOException e) {
            String message = copy == null ? e.getMessage() : e.getMessage().replace(copy.toString(), source);
            throw new IllegalArgumentException(message.contains(source) ? message
                    : "Cannot open model " + source + ": " + message, e);
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException e) {
                    LOG.warn("Could not delete the temporary copy {} of model {}: {}", copy, source, e.toString());
                }
            }
        }
    }

    /** {@code opened}, or closed and refused when the given class names or scaling contradict the file. */
    private <T extends ImageClassifier & AutoCloseable> ImageClassifier checked(T opened,
            Optional<PixelScaling> givenScaling) {
        String problem = null;
        if (!classNames.isEmpty() && !classNames.equals(opened.classNames())) {
            problem = "class names " + classNames + " were given for " + source + ", which records its own class names "
                    + opened.classNames() + "; leave the class names out";
        } else if (givenScaling.isPresent() && !givenScaling.get().equals(opened.inputScaling())) {
            problem = "pixel scaling " + givenScaling.get() + " was given for " + source + ", which records "
                    + opened.inputScaling() + "; leave the scaling out";
        }
        if (problem == null) {
            return opened;
        }
        try {
            opened.close();
        } catch (Exception e) {
            LOG.warn("Could not close model {}: {}", source, e.toString());
        }
        throw new IllegalArgumentException(Character.toUpperCase(problem.charAt(0)) + problem.substring(1));
    }

    /** The cache key: the content's SHA-256 and every option that changes what is opened. */
    private static String key(byte[] content, Options options) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(content);
            sha.update(options.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }
}
