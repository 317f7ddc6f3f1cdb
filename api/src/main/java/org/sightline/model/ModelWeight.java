package org.sightline.model;

/**
 * A weight placed in its model: the owning layer's name and its {@link WeightSpec}.
 * {@link #key()} is the neutral name used in weight files, {@code conv2d_1/kernel}.
 */
public record ModelWeight(String layerName, int layerIndex, WeightSpec spec) {

    public String key() {
        return layerName + "/" + spec.name();
    }
}
