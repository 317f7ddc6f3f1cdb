package org.sightline.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sightline.data.PixelScaling;
import org.sightline.model.FloatTensor;
import org.sightline.model.ModelWeight;
import org.sightline.model.PixelScale;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.Precision;
import org.sightline.compile.OptimizerState;

/**
 * Sightline's one portable model file: a safetensors file holding every weight under its Keras name
 * ({@code conv2d/kernel} {@code [kh, kw, in, out]}, {@code dense/kernel} {@code [in, out]},
 * {@code batch_normalization/moving_mean}, …) as F32 in Keras layout, with the model's Keras JSON
 * config, its class names, its preprocessing (the input scale, and a per-channel mean and standard
 * deviation when it has them) and a format version in {@code __metadata__}. Any backend reads what
 * any other wrote.
 *
 * <p>A checkpoint ({@link SavedModel#training()} present) adds the optimizer's slots as tensors
 * {@code optimizer/<weight>/<slot>} (Adam: {@code m} and {@code v}; SGD with momentum:
 * {@code momentum}), and its step count, the epochs
 * completed and the compile options as metadata, so that {@code fit} resumes where it stopped.
 *
 * <p>Saving writes a temporary file beside the target and renames it over the target once it is
 * on disk, so a crash never leaves a half-written model in place of the previous one.
 *
 * <pre>{@code
 * ModelFile.save(Path.of("model.safetensors"), SavedModel.of(model, weights, classNames));
 * SavedModel loaded = ModelFile.load(Path.of("model.safetensors"));
 * }</pre>
 */
public final class ModelFile {
    /** The version this code writes; files of a newer version are refused. */
    public static final int FORMAT_VERSION = 1;

    static final String KEY_FORMAT_VERSION = "sightline.format_version";
    static final String KEY_MODEL_CONFIG = "sightline.model_config";
    static final String KEY_CLASS_NAMES = "sightline.class_names";
    static final String KEY_INPUT_SCALE = "sightline.input_scale";
    static final String KEY_INPUT_MEAN = "sightline.input_mean";
    static final String KEY_INPUT_STD = "sightline.input_std";
    static final String KEY_EPOCHS_COMPLETED = "sightline.epochs_completed";
    static final String KEY_OPTIMIZER_ITERATIONS = "sightline.optimizer_iterations";
    static final String KEY_COMPILE_CONFIG = "sightline.compile_config";
    /** Keras keeps its dtype policy out of {@code compile_config}, so Sightline does too. */
    static final String KEY_PRECISION = "sightline.precision";
    /** Prefix of the optimizer-slot tensors of a checkpoint. */
    public static final String OPTIMIZER_PREFIX = "optimizer/";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFile() {
    }

    /** Writes {@code saved} to {@code file}, atomically replacing any previous file. */
    public static void save(Path file, SavedModel saved) throws IOException {
        SafeTensors.Writer writer = SafeTensors.writer()
                .metadata(KEY_FORMAT_VERSION, Integer.toString(FORMAT_VERSION))
                .metadata(KEY_MODEL_CONFIG, KerasJson.toJson(saved.model()))
                .metadata(KEY_CLASS_NAMES, classNamesJson(saved.classNames()))
                .metadata(KEY_INPUT_SCALE, scaleText(saved.preprocessing()));
        if (!saved.preprocessing().isScaleOnly()) {
            writer.metadata(KEY_INPUT_MEAN, floatsJson(saved.preprocessing().mean()))
                    .metadata(KEY_INPUT_STD, floatsJson(saved.preprocessing().std()));
        }
        for (ModelWeight weight : saved.model().weights()) {
            writer.put(weight.key(), saved.weights().get(weight.key()));
        }
        if (saved.training().isPresent()) {
            TrainingState training = saved.training().get();
            writer.metadata(KEY_EPOCHS_COMPLETED, Integer.toString(training.epochsCompleted()))
                    .metadata(KEY_OPTIMIZER_ITERATIONS, Long.toString(training.optimizer().iterations()))
                    .metadata(KEY_COMPILE_CONFIG, KerasJson.compileConfigToJson(training.compileOptions()))
                    .metadata(KEY_PRECISION, training.compileOptions().precision().kerasName());
            for (Map.Entry<String, FloatTensor> slot : training.optimizer().slots().asMap().entrySet()) {
                writer.put(OPTIMIZER_PREFIX + slot.getKey(), slot.getValue());
            }
        }
        writer.writeTo(file);
    }

    /**
     * Reads a model file or checkpoint.
     *
     * @throws ModelFileException naming the file and the problem if it does not exist, is a directory, is
     *                            truncated or corrupt, not a Sightline model, of a newer format, or holds
     *                            weights that are missing, unexpected, of the wrong shape or not finite
     */
    public static SavedModel load(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new ModelFileException(file, "is a directory, expected a model file");
        }
        try (SafeTensors tensors = SafeTensors.read(file)) {
            return load(file, tensors);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file, "no such model file", e);
        }
    }

    /** Checks the metadata before any tensor data is read, so a foreign file of any size is refused at once. */
    private static SavedModel load(Path file, SafeTensors tensors) throws IOException {
        Map<String, String> meta = tensors.metadata();
        String version = meta.get(KEY_FORMAT_VERSION);
        if (version == null) {
            throw new ModelFileException(file, "is a safetensors file but not a Sightline model: its "
                    + SafeTensors.METADATA_KEY + " has no '" + KEY_FORMAT_VERSION + "'");
        }
        int formatVersion = parseInt(file, KEY_FORMAT_VERSION, version);
        if (formatVersion < 1 || formatVersion > FORMAT_VERSION) {
            throw new ModelFileException(file, "has format version " + formatVersion + "; this Sightline reads "
                    + "versions 1 to " + FORMAT_VERSION);
        }
        Network model;
        try {
            model = KerasJson.modelFromJson(required(file, meta, KEY_MODEL_CONFIG),
                    file + " " + KEY_MODEL_CONFIG);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "holds a model config Sightline cannot use: " + e.getMessage(), e);
        }
        List<String> classNames = parseClassNames(file, required(file, meta, KEY_CLASS_NAMES));
        PixelScaling preprocessing = preprocessing(file, meta);

        Weights weights = readWeights(file, tensors, model);
        Optional<TrainingState> training = meta.containsKey(KEY_EPOCHS_COMPLETED)
                ? Optional.of(readTraining(file, tensors, model))
                : Optional.empty();
        try {
            return new SavedModel(model, weights, classNames, preprocessing, training);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
    }

    private static Weights readWeights(Path file, SafeTensors tensors, Network model) throws IOException {
        Weights.Builder builder = Weights.builder();
        Set<String> expected = new HashSet<>();
        for (ModelWeight weight : model.weights()) {
            expected.add(weight.key());
            if (tensors.contains(weight.key())) {
                builder.put(weight.key(), finiteTensor(file, tensors, weight.key()));
            }
        }
        for (String name : tensors.names()) {
            if (!expected.contains(name) && !name.startsWith(OPTIMIZER_PREFIX)) {
                builder.put(name, tensors.floatTensor(name));
            }
        }
        Weights weights = builder.build();
        try {
            // Lists every missing, unexpected or misshapen weight, naming the file.
            model.requireCompatible(weights, file.toString());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
        return weights;
    }

    private static TrainingState readTraining(Path file, SafeTensors tensors, Network model) throws IOException {
        int epochs = parseInt(file, KEY_EPOCHS_COMPLETED, tensors.metadata().get(KEY_EPOCHS_COMPLETED));
        long iterations = parseLong(file, KEY_OPTIMIZER_ITERATIONS,
                required(file, tensors.metadata(), KEY_OPTIMIZER_ITERATIONS));
        CompileOptions options;
        try {
            options = KerasJson.compileConfigFromJson(required(file, tensors.metadata(), KEY_COMPILE_CONFIG),
                    file + " " + KEY_COMPILE_CONFIG);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
        String precision = tensors.metadata().get(KEY_PRECISION);
        if (precision != null) {
            try {
                options = options.withPrecision(Precision.fromKerasName(precision));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, KEY_PRECISION + ": " + e.getMessage(), e);
            }
        }
        Weights.Builder slots = Weights.builder();
        Set<String> expected = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (ModelWeight weight : model.weights()) {
            if (!weight.spec().trainable()) {
                continue;
            }
            // The slots the compiled optimizer keeps: Adam's m and v, SGD's momentum (none without).
            for (String name : options.optimizer().slots()) {
                String slot = OptimizerState.slotName(weight.key(), name);
                String tensor = OPTIMIZER_PREFIX + slot;
                expected.add(tensor);
                if (!tensors.contains(tensor)) {
                    problems.add("missing " + tensor);
                    continue;
                }
                FloatTensor value = finiteTensor(file, tensors, tensor);
                if (!Arrays.equals(value.shape(), weight.spec().shape())) {
                    problems.add(tensor + " has shape " + Arrays.toString(value.shape()) + ", expected "
                            + Arrays.toString(weight.spec().shape()));
                }
                slots.put(slot, value);
            }
        }
        for (String name : tensors.names()) {
            if (name.startsWith(OPTIMIZER_PREFIX) && !expected.contains(name)) {
                problems.add("unexpected " + name);
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFileException(file, "optimizer state does not fit model '" + model.name() + "': "
                    + String.join("; ", problems));
        }
        try {
            return new TrainingState(options, new OptimizerState(iterations, slots.build()), epochs);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
    }

    /**
     * A NaN or infinite weight makes every prediction NaN; such a file comes from a diverged run and is
     * refused rather than used.
     */
    private static FloatTensor finiteTensor(Path file, SafeTensors tensors, String name) throws IOException {
        FloatTensor tensor = tensors.floatTensor(name);
        int bad = 0;
        int first = -1;
        for (int i = 0; i < tensor.size(); i++) {
            if (!Float.isFinite(tensor.get(i))) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            throw new ModelFileException(file, "tensor '" + name + "' holds " + bad + " non-finite values (first "
                    + tensor.get(first) + " at index " + first + " of " + tensor.size()
                    + "): the model was saved from a diverged run and cannot be used");
        }
        return tensor;
    }

    private static String classNamesJson(List<String> classNames) {
        ArrayNode array = JSON.createArrayNode();
        classNames.forEach(array::add);
        return array.toString();
    }

    private static List<String> parseClassNames(Path file, String json) throws ModelFileException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(file, KEY_CLASS_NAMES + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isArray()) {
            throw new ModelFileException(file, KEY_CLASS_NAMES + " must be a JSON array of strings, got " + json);
        }
        List<String> names = new ArrayList<>(node.size());
        for (JsonNode name : node) {
            if (!name.isTextual()) {
                throw new ModelFileException(file, KEY_CLASS_NAMES + " holds a non-string entry " + name);
            }
            names.add(name.textValue());
        }
        return names;
    }

    /** Sightline's own 1/255 as the float it always was in these files; any other scale in full. */
    private static String scaleText(PixelScaling scaling) {
        return scaling.sameScale(PixelScale.DEFAULT) ? Float.toString(PixelScale.DEFAULT) : Double.toString(scaling.scale());
    }

    private static String floatsJson(float[] values) {
        ArrayNode array = JSON.createArrayNode();
        for (float value : values) {
            array.add(value);
        }
        return array.toString();
    }

    private static PixelScaling preprocessing(Path file, Map<String, String> meta) throws ModelFileException {
        String value = required(file, meta, KEY_INPUT_SCALE);
        double scale;
        try {
            scale = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new ModelFileException(file, KEY_INPUT_SCALE + " '" + value + "' is not a number", e);
        }
        if (scale > 0 && (float) scale == PixelScale.DEFAULT) {
            scale = PixelScaling.SIGHTLINE.scale();
        }
        boolean hasMean = meta.containsKey(KEY_INPUT_MEAN);
        if (hasMean != meta.containsKey(KEY_INPUT_STD)) {
            throw new ModelFileException(file, "records " + (hasMean ? KEY_INPUT_MEAN : KEY_INPUT_STD)
                    + " without " + (hasMean ? KEY_INPUT_STD : KEY_INPUT_MEAN));
        }
        try {
            return hasMean
                    ? PixelScaling.of(scale, floats(file, KEY_INPUT_MEAN, meta.get(KEY_INPUT_MEAN)),
                            floats(file, KEY_INPUT_STD, meta.get(KEY_INPUT_STD)))
                    : PixelScaling.of(scale);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "holds preprocessing Sightline cannot use (" + KEY_INPUT_SCALE + " "
                    + value + "): " + e.getMessage(), e);
        }
    }

    private static float[] floats(Path file, String key, String json) throws ModelFileException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(file, key + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isArray()) {
            throw new ModelFileException(file, key + " must be a JSON array of numbers, got " + json);
        }
        float[] values = new float[node.size()];
        for (int i = 0; i < values.length; i++) {
            if (!node.get(i).isNumber()) {
                throw new ModelFileException(file, key + " holds a non-number " + node.get(i));
            }
            values[i] = node.get(i).floatValue();
        }
        return values;
    }

    private static String required(Path file, Map<String, String> meta, String key) throws ModelFileException {
        String value = meta.get(key);
        if (value == null) {
            throw new ModelFileException(file, SafeTensors.METADATA_KEY + " has no '" + key + "'");
        }
        return value;
    }

    private static int parseInt(Path file, String key, String value) throws ModelFileException {
        long parsed = parseLong(file, key, value);
        if (parsed < Integer.MIN_VALUE || parsed > Integer.MAX_VALUE) {
            throw new ModelFileException(file, key + " '" + value + "' is out of range");
        }
        return (int) parsed;
    }

    private static long parseLong(Path file, String key, String value) throws ModelFileException {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ModelFileException(file, key + " '" + value + "' is not an integer", e);
        }
    }
}
