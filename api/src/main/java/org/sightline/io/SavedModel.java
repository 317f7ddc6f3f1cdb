package org.sightline.io;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.sightline.data.PixelScaling;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * The contents of a Sightline model file: the model definition, its weights in Keras layout, the
 * class names of its outputs, how 0..255 pixels become its input values, and — for a checkpoint —
 * the training state to resume from.
 */
public record SavedModel(Network model, Weights weights, List<String> classNames, PixelScaling preprocessing,
        Optional<TrainingState> training) {

    public SavedModel {
        Objects.requireNonNull(model, "SavedModel.model");
        Objects.requireNonNull(weights, "SavedModel.weights");
        classNames = List.copyOf(classNames);
        Objects.requireNonNull(preprocessing, "SavedModel.preprocessing");
        Objects.requireNonNull(training, "SavedModel.training");
        model.requireCompatible(weights, "the saved model");
        if (classNames.size() != model.numClasses()) {
            throw new IllegalArgumentException("Model '" + model.name() + "' has " + model.numClasses()
                    + " outputs but " + classNames.size() + " class names were given");
        }
        if (preprocessing.mean().length == 3 && model.inputShape().channels() != 3) {
            throw new IllegalArgumentException("Model '" + model.name() + "' takes " + model.inputShape()
                    + " but its preprocessing (" + preprocessing + ") has three channels");
        }
    }

    /** A model trained on Sightline's preprocessing, pixels divided by 255. */
    public static SavedModel of(Network model, Weights weights, List<String> classNames) {
        return of(model, weights, classNames, PixelScaling.SIGHTLINE);
    }

    public static SavedModel of(Network model, Weights weights, List<String> classNames, PixelScaling preprocessing) {
        return new SavedModel(model, weights, classNames, preprocessing, Optional.empty());
    }

    /** This model with {@code weights} and {@code training} in place of its own. */
    public SavedModel with(Weights newWeights, Optional<TrainingState> newTraining) {
        return new SavedModel(model, newWeights, classNames, preprocessing, newTraining);
    }
}
