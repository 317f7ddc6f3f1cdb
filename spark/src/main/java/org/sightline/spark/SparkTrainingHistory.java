package org.sightline.spark;

import java.util.List;
import java.util.Objects;
import org.sightline.io.SavedModel;
import org.sightline.train.EpochMetrics;

/**
 * What {@link SparkTrainer#fit} measured, epoch by epoch, and what the communication cost: the state a
 * round moves (weights, batch-norm statistics and Adam's moments, as floats) and the rounds an epoch takes.
 *
 * @param epochs         one row per epoch trained by this call (a resumed run starts at the checkpoint's
 *                       epoch); {@link EpochMetrics#duration()} is the epoch's wall-clock time
 * @param replicas       replicas (partitions of the training data)
 * @param roundsPerEpoch rounds per epoch: the largest partition's batches divided by the steps per round
 * @param stateBytes     bytes of one copy of the state
 * @param bytesPerRound  {@code 2 × stateBytes × replicas}: the broadcast to every replica and its state back
 * @param model          the averaged model after the last epoch, as a checkpoint holds it
 */
public record SparkTrainingHistory(List<EpochMetrics> epochs, int replicas, int roundsPerEpoch, long stateBytes,
        long bytesPerRound, SavedModel model) {

    public SparkTrainingHistory {
        epochs = List.copyOf(epochs);
        Objects.requireNonNull(model, "SparkTrainingHistory.model");
    }
}
