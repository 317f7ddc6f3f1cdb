package org.sightline.inference;

import java.util.List;
import java.util.function.Consumer;
import org.sightline.data.PixelScaling;
import org.sightline.data.ImageDataset;
import org.sightline.model.Shape;
import org.sightline.train.Evaluation;

/**
 * What a {@link Predictor} and an evaluation run on: a model that turns scaled NHWC images into class
 * probabilities. A Sightline {@link org.sightline.train.Model} on any backend is one, and so is an ONNX
 * model opened by the ONNX backend, without this api knowing ONNX. Implementations are safe to call
 * from many threads at once.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.safetensors"), Backends.get("onnx"), Device.cpu())) {
 *     Prediction best = model.predictor().predict(Path.of("cat.png"));
 *     Evaluation evaluation = model.evaluate(test, 256);
 * }
 * }</pre>
 */
public interface ImageClassifier {

    /** The (height, width, channels) of the images the model takes. */
    Shape inputShape();

    /** The name of each output class, in output order. */
    List<String> classNames();

    /** How 0..255 pixels become this model's input values. */
    PixelScaling inputScaling();

    /**
     * Class probabilities for {@code count} NHWC images of {@link #inputShape()}, already scaled with
     * {@link #inputScaling()}: row-major {@code [count, classes]}.
     */
    float[] predictProbabilities(float[] images, int count);

    /** A predictor of images with the default options: top 3 classes (fewer if the model has fewer), no resizing. */
    default Predictor predictor() {
        return new Predictor(this, Predictor.Options.defaults().withTopK(Math.min(3, classNames().size())));
    }

    /** A predictor of images with {@code options}. */
    default Predictor predictor(Predictor.Options options) {
        return new Predictor(this, options);
    }

    /** Keras's {@code model.evaluate}: loss, accuracy and confusion matrix over {@code data}. */
    default Evaluation evaluate(ImageDataset data, int batchSize) {
        return evaluate(data, batchSize, scored -> { });
    }

    /**
     * {@link #evaluate(ImageDataset, int)}, also handing each scored image to {@code each}, in dataset
     * order, e.g. to write the predictions to a file.
     */
    default Evaluation evaluate(ImageDataset data, int batchSize, Consumer<ScoredImage> each) {
        return Evaluator.evaluate(this, data, batchSize, each);
    }
}
