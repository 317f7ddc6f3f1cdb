package org.sightline.inference;

import java.util.function.Consumer;
import org.sightline.data.PixelScaling;
import org.sightline.data.ImageDataset;
import org.sightline.train.Evaluation;

/** The evaluation loop shared by every {@link ImageClassifier}, so each model is scored the same way. */
final class Evaluator {
    private Evaluator() {
    }

    static Evaluation evaluate(ImageClassifier classifier, ImageDataset data, int batchSize,
            Consumer<ScoredImage> each) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        if (!data.imageShape().equals(classifier.inputShape())) {
            throw new IllegalArgumentException("The evaluation data has images of " + data.imageShape()
                    + " but the model takes " + classifier.inputShape());
        }
        int classes = classifier.classNames().size();
        if (data.numClasses() != classes) {
            throw new IllegalArgumentException("The evaluation data has " + data.numClasses()
                    + " classes but the model outputs " + classes);
        }
        int imageSize = data.imageShape().size();
        int channels = data.imageShape().channels();
        PixelScaling scaling = classifier.inputScaling();
        EvaluationSums sums = new EvaluationSums(classes);
        for (int first = 0; first < data.size(); first += batchSize) {
            int count = Math.min(batchSize, data.size() - first);
            byte[] pixels = new byte[count * imageSize];
            for (int i = 0; i < count; i++) {
                data.copyImage(first + i, pixels, i * imageSize);
            }
            float[] probabilities = classifier.predictProbabilities(scaling.apply(pixels, channels), count);
            for (int i = 0; i < count; i++) {
                int label = data.label(first + i);
                int predicted = sums.add(probabilities, i, label);
                each.accept(new ScoredImage(first + i, label, predicted, probabilities[i * classes + predicted]));
            }
        }
        return sums.toEvaluation(data.classNames());
    }
}
