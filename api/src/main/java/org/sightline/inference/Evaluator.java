package org.sightline.inference;

import java.util.function.Consumer;
import org.sightline.data.ImageDataset;
import org.sightline.train.Evaluation;

/** The evaluation loop shared by every {@link ImageClassifier}, so each model is scored the same way. */
final class Evaluator {
    /** Keras clips probabilities by this before taking the log in categorical cross-entropy. */
    private static final double PROBABILITY_EPSILON = 1e-7;

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
        int[][] confusion = new int[classes][classes];
        double lossSum = 0;
        long correct = 0;
        for (int first = 0; first < data.size(); first += batchSize) {
            int count = Math.min(batchSize, data.size() - first);
            byte[] pixels = new byte[count * imageSize];
            for (int i = 0; i < count; i++) {
                data.copyImage(first + i, pixels, i * imageSize);
            }
            float[] probabilities = classifier.predictProbabilities(scaling.apply(pixels, channels), count);
            for (int i = 0; i < count; i++) {
                int label = data.label(first + i);
                int predicted = argMax(probabilities, i * classes, classes);
                double p = Math.min(Math.max(probabilities[i * classes + label], PROBABILITY_EPSILON),
                        1 - PROBABILITY_EPSILON);
                lossSum -= Math.log(p);
                confusion[label][predicted]++;
                if (predicted == label) {
                    correct++;
                }
                each.accept(new ScoredImage(first + i, label, predicted, probabilities[i * classes + predicted]));
            }
        }
        int n = Math.max(1, data.size());
        return new Evaluation(lossSum / n, correct / (double) n, confusion, data.classNames());
    }

    static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
