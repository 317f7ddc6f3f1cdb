package org.sightline.inference;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.sightline.data.ColorMode;
import org.sightline.data.DecodedImage;
import org.sightline.model.Shape;
import org.sightline.train.Prediction;

/**
 * Classifies images, not float arrays, as DJL's {@code Predictor} with its image {@code Translator}:
 * decodes a file (PNG, JPEG, BMP or GIF) in the colour mode of the model's input channels, checks its
 * size against the model's input (or resizes it bilinearly when asked), scales the pixels as the model
 * records ({@link ImageClassifier#inputScaling()}), and returns the top-k classes by name.
 *
 * <p>Thread-safe: a predictor holds no mutable state, and every {@link ImageClassifier} may be called
 * from many threads, so one predictor can serve them all.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.safetensors"), Backends.get("onnx"), Device.cpu())) {
 *     Predictor predictor = model.predictor(Predictor.Options.defaults().withTopK(5).withResize(true));
 *     for (Prediction.ClassScore score : predictor.predict(Path.of("cat.jpg")).top()) {
 *         System.out.println(score.className() + " " + score.probability());
 *     }
 * }
 * }</pre>
 */
public final class Predictor {
    /** Images per call to the model in {@link #predict(List)}. */
    private static final int BATCH_SIZE = 64;

    private final ImageClassifier classifier;
    private final Options options;
    private final Shape input;
    private final List<String> classNames;

    /**
     * How to predict.
     *
     * @param topK   how many classes each {@link Prediction} names, most probable first; 1 to the
     *               number of classes
     * @param resize whether to resize images of another size to the model's input instead of refusing them
     */
    public record Options(int topK, boolean resize) {

        public Options {
            if (topK < 1) {
                throw new IllegalArgumentException("Predictor.Options.topK must be >= 1, got " + topK);
            }
        }

        /** The top 3 classes, no resizing. */
        public static Options defaults() {
            return new Options(3, false);
        }

        public Options withTopK(int k) {
            return new Options(k, resize);
        }

        public Options withResize(boolean newResize) {
            return new Options(topK, newResize);
        }
    }

    /** A predictor over {@code classifier}; usually reached as {@code model.predictor(options)}. */
    public Predictor(ImageClassifier classifier, Options options) {
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.options = Objects.requireNonNull(options, "options");
        this.input = classifier.inputShape();
        this.classNames = List.copyOf(classifier.classNames());
        if (options.topK() > classNames.size()) {
            throw new IllegalArgumentException("Predictor.Options.topK must be in 1.." + classNames.size()
                    + " (the model's classes), got " + options.topK());
        }
    }

    public Options options() {
        return options;
    }

    /**
     * The top classes of an image file.
     *
     * @throws org.sightline.data.DatasetFormatException naming the file when it is missing or not an image
     * @throws ImageSizeException                        when its size differs from the model's input and
     *                                                   resizing was not asked for
     */
    public Prediction predict(Path image) throws IOException {
        return run(List.of(fit(DecodedImage.read(image, colorMode()), Optional.of(image.toString())))).get(0);
    }

    /** The top classes of an image in memory; see {@link #predict(Path)}. */
    public Prediction predict(BufferedImage image) {
        return run(List.of(fit(DecodedImage.of(image, colorMode()), Optional.empty()))).get(0);
    }

    /**
     * The top classes of each image file, in order, run in batches. Fails on the first file that cannot
     * be used, naming it; to go on past bad files, call {@link #predict(Path)} for each.
     */
    public List<Prediction> predict(List<Path> images) throws IOException {
        List<Prediction> predictions = new ArrayList<>(images.size());
        for (int first = 0; first < images.size(); first += BATCH_SIZE) {
            List<DecodedImage> batch = new ArrayList<>();
            for (Path file : images.subList(first, Math.min(images.size(), first + BATCH_SIZE))) {
                batch.add(fit(DecodedImage.read(file, colorMode()), Optional.of(file.toString())));
            }
            predictions.addAll(run(batch));
        }
        return predictions;
    }

    /**
     * The top classes of images already decoded (in {@link #colorMode()}), in order, run in batches of
     * any size the caller chooses, e.g. the rows of one Spark partition. Fails on the first image whose
     * size cannot be used; check each with {@link #fit} first to go on past such images.
     *
     * @throws ImageSizeException when an image's size differs from the model's input and resizing was not
     *                            asked for
     */
    public List<Prediction> predictDecoded(List<DecodedImage> images) {
        List<DecodedImage> fitted = new ArrayList<>(images.size());
        for (DecodedImage image : images) {
            fitted.add(fit(image));
        }
        return fitted.isEmpty() ? List.of() : run(fitted);
    }

    /** The colour mode images are decoded in for this model: grayscale for one input channel, else RGB. */
    public ColorMode colorMode() {
        return input.channels() == 1 ? ColorMode.GRAYSCALE : ColorMode.RGB;
    }

    /**
     * {@code image} as the model takes it: as it is when its size is the model's input, resized when the
     * options ask for it.
     *
     * @throws ImageSizeException when its size differs and resizing was not asked for
     */
    public DecodedImage fit(DecodedImage image) {
        return fit(image, Optional.empty());
    }

    private DecodedImage fit(DecodedImage image, Optional<String> name) {
        if (image.height() == input.height() && image.width() == input.width()) {
            return image;
        }
        if (!options.resize()) {
            throw new ImageSizeException(name, image.height(), image.width(), input);
        }
        return image.resize(input.height(), input.width());
    }

    private List<Prediction> run(List<DecodedImage> images) {
        int size = input.size();
        byte[] pixels = new byte[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i).pixels(), 0, pixels, i * size, size);
        }
        float[] probabilities = classifier.predictProbabilities(
                classifier.inputScaling().apply(pixels, input.channels()), images.size());
        int classes = classNames.size();
        List<Prediction> predictions = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            float[] row = new float[classes];
            System.arraycopy(probabilities, i * classes, row, 0, classes);
            predictions.add(Prediction.of(row, classNames, options.topK()));
        }
        return predictions;
    }
}
