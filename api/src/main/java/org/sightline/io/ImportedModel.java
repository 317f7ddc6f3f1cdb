package org.sightline.io;

import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.sightline.data.PixelScaling;
import org.sightline.model.Network;
import org.sightline.model.Weights;

/**
 * A model read from a file another tool wrote (Keras {@code .h5} or {@code .keras}, a TensorFlow.js
 * {@code model.json}): its definition and weights in Keras layout, and where they came from.
 *
 * @param model        the model as the file's config defines it, layer names kept
 * @param weights      every weight of {@code model}, checked against its shapes
 * @param format       what the file was, e.g. "Keras HDF5 (Keras 2.10.0)"
 * @param kerasVersion the Keras version the file records, or "" when it records none
 */
public record ImportedModel(Network model, Weights weights, String format, String kerasVersion) {

    public ImportedModel {
        Objects.requireNonNull(model, "ImportedModel.model");
        Objects.requireNonNull(weights, "ImportedModel.weights");
        Objects.requireNonNull(format, "ImportedModel.format");
        Objects.requireNonNull(kerasVersion, "ImportedModel.kerasVersion");
        model.requireCompatible(weights, format);
    }

    /**
     * The model file contents with {@code classNames} (the file records none: "0", "1", … when empty)
     * and the preprocessing the model was trained with.
     */
    public SavedModel toSavedModel(List<String> classNames, PixelScaling preprocessing) {
        List<String> names = classNames.isEmpty()
                ? IntStream.range(0, model.numClasses()).mapToObj(Integer::toString).toList()
                : classNames;
        return SavedModel.of(model, weights, names, preprocessing);
    }
}
