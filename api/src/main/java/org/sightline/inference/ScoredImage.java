package org.sightline.inference;

/**
 * One image of an evaluation as the model scored it.
 *
 * @param index       the image's index in the dataset
 * @param label       its true class
 * @param predicted   the most probable class
 * @param probability the probability of {@code predicted}
 */
public record ScoredImage(int index, int label, int predicted, float probability) {
}
