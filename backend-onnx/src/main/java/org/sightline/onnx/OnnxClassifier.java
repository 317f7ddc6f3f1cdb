package org.sightline.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.sightline.inference.ImageClassifier;
import org.sightline.inference.Probabilities;
import org.sightline.data.PixelScaling;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.PixelScale;
import org.sightline.model.Shape;
import org.sightline.spi.Device;
import org.sightline.spi.EngineException;
import org.sightline.train.Prediction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX image classifier on ONNX Runtime: Sightline's own exports and foreign models alike. It reads
 * the model's input and output names and shapes, takes Sightline's NHWC float images (already scaled)
 * and feeds them in the layout the model declares, turns logits into probabilities when needed, and
 * names the classes.
 *
 * <p>As an {@link ImageClassifier} it has a {@link org.sightline.inference.Predictor} of image files and
 * evaluates datasets exactly as a Sightline {@code Model} does.
 *
 * <p>One session serves every thread: {@code OrtSession.run} is thread-safe, and each call frees its
 * native tensors before returning. {@link #close()} waits for calls in flight, then frees the session.
 *
 * <pre>{@code
 * try (OnnxClassifier classifier = OnnxClassifier.open(Path.of("resnet.onnx"),
 *         OnnxClassifier.Options.defaults().withClassNames(labels).withScaling(PixelScaling.of(1 / 255.0,
 *                 new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f})))) {
 *     Prediction best = classifier.predictor().predict(Path.of("cat.jpg"));
 *     List<Prediction> top3 = classifier.classify(images, count, classifier.imageShape().get(), 3);
 * }
 * }</pre>
 */
public final class OnnxClassifier implements ImageClassifier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxClassifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Long> CHANNEL_COUNTS = Set.of(1L, 3L);
    private static final double SUM_TOLERANCE = 1e-3;

    private final String source;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String inputName;
    private final String outputName;
    private final Set<String> requestedOutputs;
    private final long[] inputDims;
    private final InputLayout layout;
    private final int numClasses;
    private final List<String> classNames;
    private final Map<String, String> metadata;
    private final SoftmaxMode softmax;
    private final PixelScaling scaling;
    private final ConcurrentLinkedQueue<FloatBuffer> inputBuffers = new ConcurrentLinkedQueue<>();
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * How to read a model.
     *
     * @param layout     the input layout; empty to take it from Sightline's metadata or from which axis
     *                   has 1 or 3 channels
     * @param softmax    whether to apply softmax to the output
     * @param classNames class names for models whose metadata has none; empty for {@code class_N}
     * @param device     where to run
     * @param scaling    how pixels become input values; empty for the preprocessing the model's metadata
     *                   records, else 1/255. Given, it overrides the recorded one.
     */
    public record Options(Optional<InputLayout> layout, SoftmaxMode softmax, List<String> classNames,
            Device device, Optional<PixelScaling> scaling) {

        public Options {
            Objects.requireNonNull(layout, "Options.layout");
            Objects.requireNonNull(softmax, "Options.softmax");
            classNames = List.copyOf(classNames);
            Objects.requireNonNull(device, "Options.device");
            Objects.requireNonNull(scaling, "Options.scaling");
        }

        /** Layout detected, softmax when the output is not probabilities, no class names, CPU, recorded scale. */
        public static Options defaults() {
            return new Options(Optional.empty(), SoftmaxMode.AUTO, List.of(), Device.cpu(), Optional.empty());
        }

        public Options withLayout(InputLayout newLayout) {
            return new Options(Optional.of(newLayout), softmax, classNames, device, scaling);
        }

        public Options withSoftmax(SoftmaxMode mode) {
            return new Options(layout, mode, classNames, device, scaling);
        }

        public Options withClassNames(List<String> names) {
            return new Options(layout, softmax, names, device, scaling);
        }

        public Options withDevice(Device newDevice) {
            return new Options(layout, softmax, classNames, newDevice, scaling);
        }

        /** Pixels scaled this way, e.g. with the mean and standard deviation the model was trained with. */
        public Options withScaling(PixelScaling newScaling) {
            return new Options(layout, softmax, classNames, device, Optional.of(newScaling));
        }
    }

    private OnnxClassifier(String source, OrtEnvironment environment, OrtSession session, Options options) {
        this.source = source;
        this.environment = environment;
        this.session = session;
        try {
            this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
            Map.Entry<String, TensorInfo> input = single("input", session.getInputInfo());
            Map.Entry<String, TensorInfo> output = first("output", session.getOutputInfo());
            this.inputName = input.getKey();
            this.outputName = output.getKey();
            this.requestedOutputs = Set.of(outputName);
            this.inputDims = input.getValue().getShape();
            if (inputDims.length != 4) {
                throw new IllegalArgumentException("ONNX model " + source + " has input '" + inputName + "' of shape "
                        + dims(inputDims) + "; an image classifier needs 4 dimensions, NCHW or NHWC");
            }
            this.layout = resolveLayout(options.layout());
            this.numClasses = outputClasses(output.getValue());
            this.classNames = resolveClassNames(options.classNames());
            this.softmax = options.softmax();
        } catch (OrtException e) {
            throw new EngineException(OnnxBackend.NAME, "reading the inputs and outputs of model " + source, e);
        }
        this.scaling = resolveScaling(options.scaling());
        LOG.debug("Opened ONNX model {}: input '{}' {} ({}), output '{}', {} classes, {}", source, inputName,
                dims(inputDims), layout, outputName, numClasses, scaling);
    }

    /** Opens an {@code .onnx} file with default options. */
    public static OnnxClassifier open(Path file) {
        return open(file, Options.defaults());
    }

    /**
     * Opens an {@code .onnx} file, or a Sightline model file (safetensors, recognised by its content),
     * which is exported to ONNX in memory. ONNX Runtime reads the file itself, so weights saved as
     * external data are found next to the model file, whatever the working directory.
     */
    public static OnnxClassifier open(Path file, Options options) {
        long size;
        boolean safeTensors;
        try {
            size = Files.size(file);
            safeTensors = isSafeTensors(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read ONNX model file " + file + ": " + e.getMessage(), e);
        }
        if (safeTensors) {
            try {
                return fromSavedModel(ModelFile.load(file), options);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read Sightline model file " + file + ": " + e.getMessage(),
                        e);
            }
        }
        // An absolute path: ONNX Runtime resolves external data files against the model's folder.
        String path = file.toAbsolutePath().toString();
        return create(file.toString(), size, options, (environment, sessionOptions) ->
                environment.createSession(path, sessionOptions));
    }

    /**
     * Whether {@code file} starts as a safetensors file does: the little-endian 8-byte length of its
     * JSON header (so byte 7 is 0 for any real header) followed by the header's '{'. An ONNX
     * model starts with its ir_version and producer fields, whose bytes do not take that form.
     */
    public static boolean isSafeTensors(Path file) throws IOException {
        byte[] head = new byte[9];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(head, 0, head.length) == head.length && head[8] == '{' && head[7] == 0;
        }
    }

    /** A classifier for a serialized ONNX model; {@code source} names it in error messages. */
    public static OnnxClassifier fromBytes(byte[] model, String source, Options options) {
        return create(source, model.length, options, (environment, sessionOptions) ->
                environment.createSession(model, sessionOptions));
    }

    /** How a session is made: from a file or from bytes. */
    @FunctionalInterface
    private interface SessionSource {
        OrtSession create(OrtEnvironment environment, OrtSession.SessionOptions options) throws OrtException;
    }

    private static OnnxClassifier create(String source, long bytes, Options options, SessionSource sessions) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
            // ONNX Runtime's own default used one intra-op thread on this project's 2-core machine; one per
            // core doubled batch-256 throughput and cut batch-1 latency by a third (docs/performance.md).
            sessionOptions.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            if (options.device().isGpu()) {
                sessionOptions.addCUDA(options.device().index());
            }
            session = sessions.create(environment, sessionOptions);
        } catch (OrtException e) {
            throw new EngineException(OnnxBackend.NAME, "loading model " + source + " (" + bytes + " bytes) on "
                    + options.device(), e);
        }
        try {
            return new OnnxClassifier(source, environment, session, options);
        } catch (RuntimeException e) {
            closeQuietly(session, e);
            throw e;
        }
    }

    /** A classifier for an ONNX model built in memory. */
    public static OnnxClassifier fromModel(ModelProto model, String source, Options options) {
        return fromBytes(model.toByteArray(), source, options);
    }

    /** Exports a Sightline model in memory and opens it; class names come along in the metadata. */
    public static OnnxClassifier fromSavedModel(SavedModel saved, Options options) {
        return fromModel(OnnxExporter.export(saved), "model '" + saved.model().name() + "' (exported in memory)",
                options);
    }

    public String inputName() {
        return inputName;
    }

    public String outputName() {
        return outputName;
    }

    /** The input's dimensions as the model declares them, -1 where dynamic (the batch, usually). */
    public long[] inputDims() {
        return inputDims.clone();
    }

    public InputLayout layout() {
        return layout;
    }

    /** The (height, width, channels) the model takes, if its input declares all three. */
    public Optional<Shape> imageShape() {
        long h = layout == InputLayout.NHWC ? inputDims[1] : inputDims[2];
        long w = layout == InputLayout.NHWC ? inputDims[2] : inputDims[3];
        long c = layout == InputLayout.NHWC ? inputDims[3] : inputDims[1];
        if (h <= 0 || w <= 0 || c <= 0) {
            return Optional.empty();
        }
        return Optional.of(Shape.image(Math.toIntExact(h), Math.toIntExact(w), Math.toIntExact(c)));
    }

    public int numClasses() {
        return numClasses;
    }

    /**
     * The image shape the model declares.
     *
     * @throws IllegalStateException when the model's input has no fixed height, width or channels
     */
    @Override
    public Shape inputShape() {
        return imageShape().orElseThrow(() -> new IllegalStateException("ONNX model " + source
                + " declares input '" + inputName + "' as " + dims(inputDims) + " without a fixed image size"));
    }

    /** The scaling given in the options, else the preprocessing the model's metadata records, else 1/255. */
    @Override
    public PixelScaling inputScaling() {
        return scaling;
    }

    /** {@link #predict(float[], int)}: images of {@link #inputShape()}. */
    @Override
    public float[] predictProbabilities(float[] images, int count) {
        return predict(images, count);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    /** The model's metadata_props. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The factor from 0..255 pixels to input values, when the model's metadata says (Sightline's exports do). */
    public OptionalDouble inputScale() {
        String scale = metadata.get(OnnxExporter.INPUT_SCALE_KEY);
        if (scale == null) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(scale));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ONNX model " + source + " has metadata " + OnnxExporter.INPUT_SCALE_KEY
                    + " = '" + scale + "', not a number", e);
        }
    }

    /**
     * The preprocessing the model's metadata records (Sightline's exports do): its input scale, with the
     * per-channel mean and standard deviation where it has them.
     */
    public Optional<PixelScaling> recordedScaling() {
        OptionalDouble scale = inputScale();
        if (scale.isEmpty()) {
            return Optional.empty();
        }
        // As a Sightline model file reads it: the recorded 1/255 is exactly Sightline's scale.
        double factor = (float) scale.getAsDouble() == PixelScale.DEFAULT ? PixelScaling.SIGHTLINE.scale()
                : scale.getAsDouble();
        String mean = metadata.get(OnnxExporter.INPUT_MEAN_KEY);
        String std = metadata.get(OnnxExporter.INPUT_STD_KEY);
        if (mean == null && std == null) {
            return Optional.of(PixelScaling.of(factor));
        }
        if (mean == null || std == null) {
            throw new IllegalArgumentException("ONNX model " + source + " has metadata "
                    + (mean == null ? OnnxExporter.INPUT_STD_KEY + " without " + OnnxExporter.INPUT_MEAN_KEY
                            : OnnxExporter.INPUT_MEAN_KEY + " without " + OnnxExporter.INPUT_STD_KEY));
        }
        try {
            return Optional.of(PixelScaling.of(factor, floats(OnnxExporter.INPUT_MEAN_KEY, mean),
                    floats(OnnxExporter.INPUT_STD_KEY, std)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ONNX model " + source + " records preprocessing Sightline cannot "
                    + "use: " + e.getMessage(), e);
        }
    }

    private float[] floats(String key, String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw notNumbers(key, json, e);
        }
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw notNumbers(key, json, null);
        }
        float[] values = new float[node.size()];
        for (int i = 0; i < values.length; i++) {
            if (!node.get(i).isNumber()) {
                throw notNumbers(key, json, null);
            }
            values[i] = node.get(i).floatValue();
        }
        return values;
    }

    private IllegalArgumentException notNumbers(String key, String json, Exception cause) {
        return new IllegalArgumentException("ONNX model " + source + " has metadata " + key + " = '" + json
                + "', not a JSON array of numbers", cause);
    }

    /** Probabilities {@code [count, numClasses]} for images of the shape the model declares. */
    public float[] predict(float[] images, int count) {
        return predict(images, count, inputShape());
    }

    /**
     * Probabilities {@code [count, numClasses]}, row-major, for {@code count} images given as floats
     * NHWC {@code [count, h, w, c]}, already scaled as the model expects.
     */
    public float[] predict(float[] images, int count, Shape imageShape) {
        requireFits(images, count, imageShape);
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("ONNX model " + source + " is closed");
            }
            float[] out = new float[count * numClasses];
            long fixedBatch = inputDims[0];
            if (fixedBatch <= 0 || fixedBatch == count) {
                run(images, 0, count, count, imageShape, out);
            } else {
                // A model with a fixed batch size gets full batches; the last one is zero-padded.
                int step = Math.toIntExact(fixedBatch);
                for (int first = 0; first < count; first += step) {
                    run(images, first, Math.min(step, count - first), step, imageShape, out);
                }
            }
            return out;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The probabilities and the {@code k} most probable classes of each image, best first. */
    public List<Prediction> classify(float[] images, int count, Shape imageShape, int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be > 0, got " + k);
        }
        float[] probabilities = predict(images, count, imageShape);
        List<Prediction> predictions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[] row = Arrays.copyOfRange(probabilities, i * numClasses, (i + 1) * numClasses);
            predictions.add(Prediction.of(row, classNames, k));
        }
        return predictions;
    }

    /** Waits for predictions in flight, then frees the native session; later calls fail. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            inputBuffers.clear();
            session.close();
        } catch (OrtException e) {
            throw new EngineException(OnnxBackend.NAME, "closing model " + source, e);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "OnnxClassifier[" + source + ", input '" + inputName + "' " + dims(inputDims) + " " + layout
                + ", output '" + outputName + "', " + numClasses + " classes]";
    }

    /** Runs images {@code first .. first+count} as one batch of {@code batch} (zero-padded). */
    private void run(float[] images, int first, int count, int batch, Shape imageShape, float[] out) {
        int imageSize = imageShape.size();
        FloatBuffer buffer = takeBuffer(batch * imageSize);
        try {
            fill(buffer, images, first * imageSize, count, imageShape);
            while (buffer.position() < batch * imageSize) {
                buffer.put(0f);
            }
            buffer.flip();
            long[] shape = layout == InputLayout.NHWC
                    ? new long[] {batch, imageShape.height(), imageShape.width(), imageShape.channels()}
                    : new long[] {batch, imageShape.channels(), imageShape.height(), imageShape.width()};
            try (OnnxTensor tensor = OnnxTensor.createTensor(environment, buffer, shape);
                    OrtSession.Result result = session.run(Map.of(inputName, tensor), requestedOutputs)) {
                readOutput(result.get(0), count, batch, first * numClasses, out);
            } catch (OrtException e) {
                throw new EngineException(OnnxBackend.NAME, "running model " + source + " on input '" + inputName
                        + "' " + Arrays.toString(shape), e);
            }
        } finally {
            buffer.clear();
            inputBuffers.offer(buffer);
        }
    }

    private void fill(FloatBuffer buffer, float[] images, int offset, int count, Shape imageShape) {
        int size = imageShape.size();
        if (layout == InputLayout.NHWC) {
            buffer.put(images, offset, count * size);
            return;
        }
        int h = imageShape.height();
        int w = imageShape.width();
        int c = imageShape.channels();
        float[] chw = new float[size];
        for (int n = 0; n < count; n++) {
            int base = offset + n * size;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int pixel = base + (y * w + x) * c;
                    for (int ch = 0; ch < c; ch++) {
                        chw[(ch * h + y) * w + x] = images[pixel + ch];
                    }
                }
            }
            buffer.put(chw);
        }
    }

    private void readOutput(OnnxValue value, int count, int batch, int outOffset, float[] out) {
        if (!(value instanceof OnnxTensor tensor) || tensor.getInfo().type != OnnxJavaType.FLOAT) {
            throw new IllegalStateException("ONNX model " + source + " output '" + outputName + "' is " + value.getInfo()
                    + ", expected a float tensor");
        }
        long[] shape = tensor.getInfo().getShape();
        long perExample = Arrays.stream(shape).skip(1).reduce(1, (a, b) -> a * b);
        if (shape.length == 0 || shape[0] != batch || perExample != numClasses) {
            throw new IllegalStateException("ONNX model " + source + " gave output '" + outputName + "' of shape "
                    + Arrays.toString(shape) + " for a batch of " + batch + ", expected [" + batch + ", " + numClasses
                    + "]");
        }
        FloatBuffer values = tensor.getFloatBuffer();
        values.get(out, outOffset, count * numClasses);
        normalize(out, outOffset, count);
    }

    private void normalize(float[] out, int offset, int count) {
        boolean apply = switch (softmax) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> !areProbabilities(out, offset, count, numClasses);
        };
        if (apply) {
            Probabilities.softmaxRows(out, offset, count, numClasses);
        }
    }

    static boolean areProbabilities(float[] values, int offset, int rows, int width) {
        for (int row = 0; row < rows; row++) {
            double sum = 0;
            for (int i = offset + row * width; i < offset + (row + 1) * width; i++) {
                if (!(values[i] >= 0 && values[i] <= 1)) {
                    return false;
                }
                sum += values[i];
            }
            if (Math.abs(sum - 1) > SUM_TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    private void requireFits(float[] images, int count, Shape imageShape) {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be > 0, got " + count);
        }
        if (!imageShape.isImage()) {
            throw new IllegalArgumentException("Images for ONNX model " + source + " need a shape (height, width, "
                    + "channels), got " + imageShape);
        }
        long expectedValues = (long) count * imageShape.size();
        if (images.length != expectedValues) {
            throw new IllegalArgumentException(count + " images of " + imageShape + " need " + expectedValues
                    + " floats, got " + images.length);
        }
        long[] given = layout == InputLayout.NHWC
                ? new long[] {imageShape.height(), imageShape.width(), imageShape.channels()}
                : new long[] {imageShape.channels(), imageShape.height(), imageShape.width()};
        String[] axes = layout == InputLayout.NHWC
                ? new String[] {"height", "width", "channels"}
                : new String[] {"channels", "height", "width"};
        List<String> misfits = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (inputDims[i + 1] > 0 && inputDims[i + 1] != given[i]) {
                misfits.add(axes[i] + " " + given[i] + " instead of " + inputDims[i + 1]);
            }
        }
        if (!misfits.isEmpty()) {
            throw new IllegalArgumentException("Images of shape " + imageShape + " do not fit ONNX model " + source
                    + ": its input '" + inputName + "' is " + dims(inputDims) + " (" + layout + "); got "
                    + String.join(", ", misfits));
        }
    }

    private FloatBuffer takeBuffer(int floats) {
        FloatBuffer buffer = inputBuffers.poll();
        if (buffer == null || buffer.capacity() < floats) {
            // Direct, so ONNX Runtime reads it in place instead of copying it into a fresh direct buffer.
            buffer = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        buffer.limit(floats);
        return buffer;
    }

    private InputLayout resolveLayout(Optional<InputLayout> requested) {
        if (requested.isPresent()) {
            return requested.get();
        }
        String declared = metadata.get(OnnxExporter.INPUT_LAYOUT_KEY);
        if (declared != null) {
            try {
                return InputLayout.valueOf(declared.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ONNX model " + source + " has metadata "
                        + OnnxExporter.INPUT_LAYOUT_KEY + " = '" + declared + "', expected NHWC or NCHW", e);
            }
        }
        boolean channelsFirst = CHANNEL_COUNTS.contains(inputDims[1]);
        boolean channelsLast = CHANNEL_COUNTS.contains(inputDims[3]);
        if (channelsFirst != channelsLast) {
            return channelsFirst ? InputLayout.NCHW : InputLayout.NHWC;
        }
        throw new IllegalArgumentException("Cannot tell whether input '" + inputName + "' " + dims(inputDims)
                + " of ONNX model " + source + " is NCHW or NHWC (neither or both of axes 1 and 3 have 1 or 3 "
                + "channels); pass Options.withLayout(...)");
    }

    private int outputClasses(TensorInfo output) {
        long[] shape = output.getShape();
        if (shape.length < 2) {
            throw new IllegalArgumentException("ONNX model " + source + " has output '" + outputName + "' of shape "
                    + dims(shape) + "; a classifier gives [batch, classes]");
        }
        long classes = Arrays.stream(shape).skip(1).reduce(1, (a, b) -> a * b);
        if (Arrays.stream(shape).skip(1).anyMatch(d -> d <= 0) || classes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ONNX model " + source + " has output '" + outputName + "' of shape "
                    + dims(shape) + " without a fixed number of classes");
        }
        return (int) classes;
    }

    private PixelScaling resolveScaling(Optional<PixelScaling> given) {
        Optional<PixelScaling> recorded = recordedScaling();
        if (given.isPresent()) {
            if (recorded.isPresent() && !given.get().equals(recorded.get())) {
                LOG.warn("ONNX model {} records preprocessing {}; using the scaling given instead: {}", source,
                        recorded.get(), given.get());
            }
            return given.get();
        }
        if (recorded.isPresent()) {
            return recorded.get();
        }
        LOG.warn("ONNX model {} does not record how its input is scaled; dividing pixels by 255. Give the scaling "
                + "it was trained with (scale, mean, std) if it differs", source);
        return PixelScaling.SIGHTLINE;
    }

    private List<String> resolveClassNames(List<String> given) {
        String stored = metadata.get(OnnxExporter.CLASS_NAMES_KEY);
        List<String> names;
        if (stored != null) {
            try {
                names = JSON.readValue(stored, new TypeReference<List<String>>() { });
            } catch (IOException e) {
                throw new IllegalArgumentException("ONNX model " + source + " has metadata "
                        + OnnxExporter.CLASS_NAMES_KEY + " that is not a JSON list of strings: " + e.getMessage(), e);
            }
            if (!given.isEmpty() && !given.equals(names)) {
                LOG.warn("ONNX model {} names its classes {}; ignoring the class names given {}", source, names,
                        given);
            }
        } else if (!given.isEmpty()) {
            names = given;
        } else {
            return IntStream.range(0, numClasses).mapToObj(i -> "class_" + i).toList();
        }
        if (names.size() != numClasses) {
            throw new IllegalArgumentException("ONNX model " + source + " has " + numClasses + " classes but "
                    + names.size() + " class names" + (stored != null ? " in its metadata" : " were given"));
        }
        return List.copyOf(names);
    }

    private Map.Entry<String, TensorInfo> single(String what, Map<String, NodeInfo> infos) {
        if (infos.size() != 1) {
            throw new IllegalArgumentException("ONNX model " + source + " has " + infos.size() + " " + what + "s "
                    + infos.keySet() + "; an image classifier has one");
        }
        return first(what, infos);
    }

    private Map.Entry<String, TensorInfo> first(String what, Map<String, NodeInfo> infos) {
        Map.Entry<String, NodeInfo> entry = infos.entrySet().iterator().next();
        if (!(entry.getValue().getInfo() instanceof TensorInfo tensor) || tensor.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("ONNX model " + source + " has " + what + " '" + entry.getKey()
                    + "' of type " + entry.getValue().getInfo() + "; only float tensors are supported");
        }
        return Map.entry(entry.getKey(), tensor);
    }

    private static String dims(long[] dims) {
        return IntStream.range(0, dims.length)
                .mapToObj(i -> dims[i] >= 0 ? Long.toString(dims[i]) : i == 0 ? "batch" : "?")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static void closeQuietly(OrtSession session, RuntimeException failure) {
        try {
            session.close();
        } catch (OrtException e) {
            failure.addSuppressed(e);
        }
    }
}
