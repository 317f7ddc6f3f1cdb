package org.sightline.io;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * The contents of a Sightline model file: the model definition, its weights in Keras layout, the
 * class names of its outputs, and — for a checkpoint — the training state to resume from.
 */
public record SavedModel(Network model, Weights weights, List<String> classNames,
        Optional<TrainingState> training) {

    public SavedModel {
        Objects.requireNonNull(model, "SavedModel.model");
        Objects.requireNonNull(weights, "SavedModel.weights");
        classNames = List.copyOf(classNames);
        Objects.requireNonNull(training, "SavedModel.training");
        model.requireCompatible(weights, "the saved model");
        if (classNames.size() != model.numClasses()) {
            throw new IllegalArgumentException("Model '" + model.name() + "' has " + model.numClasses()
                    + " outputs but " + classNames.size() + " class names were given");
        }
    }

    public static SavedModel of(Network model, Weights weights, List<String> classNames) {
        return new SavedModel(model, weights, classNames, Optional.empty());
    }
}
