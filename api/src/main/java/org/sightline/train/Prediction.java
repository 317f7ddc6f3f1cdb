package org.sightline.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The class probabilities of one image and its top-k classes.
 *
 * @param probabilities one per class, summing to 1
 * @param top           the k most probable classes, most probable first
 */
public record Prediction(float[] probabilities, List<ClassScore> top) {

    /** A class with its probability. */
    public record ClassScore(int index, String className, float probability) {
    }

    public Prediction {
        probabilities = probabilities.clone();
        top = List.copyOf(top);
    }

    /**
     * Builds a prediction from one row of probabilities, keeping the {@code k} best classes.
     *
     * @throws IllegalArgumentException when {@code k} is not in 1..classes, or the class names do not
     *                                  match the probabilities one to one
     */
    public static Prediction of(float[] probabilities, List<String> classNames, int k) {
        if (classNames.size() != probabilities.length) {
            throw new IllegalArgumentException(probabilities.length + " probabilities need as many class names, got "
                    + classNames.size());
        }
        if (k < 1 || k > probabilities.length) {
            throw new IllegalArgumentException("top-k must be in 1.." + probabilities.length + " (the classes), got "
                    + k);
        }
        List<ClassScore> scores = new ArrayList<>();
        IntStream.range(0, probabilities.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> probabilities[i]).reversed()
                        .thenComparing(i -> i))
                .limit(k)
                .forEach(i -> scores.add(new ClassScore(i, classNames.get(i), probabilities[i])));
        return new Prediction(probabilities, scores);
    }

    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }

    public ClassScore best() {
        return top.get(0);
    }
}
