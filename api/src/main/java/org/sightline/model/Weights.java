package org.sightline.model;

import com.google.common.collect.ImmutableMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A model's weights by Keras name ({@code conv2d/kernel}, {@code batch_normalization/moving_mean}, …),
 * in Keras layout, in the model's order. Immutable; the unit that moves between backends and files.
 */
public final class Weights {
    private final Map<String, FloatTensor> tensors;

    private Weights(Map<String, FloatTensor> tensors) {
        this.tensors = ImmutableMap.copyOf(tensors);
    }

    public static Weights of(Map<String, FloatTensor> tensors) {
        return new Weights(tensors);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public Map<String, FloatTensor> asMap() {
        return tensors;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}; throws naming the missing weight and those present. */
    public FloatTensor get(String name) {
        FloatTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("No weight named '" + name + "'; present: " + tensors.keySet());
        }
        return tensor;
    }

    public int size() {
        return tensors.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Weights w && tensors.equals(w.tensors);
    }

    @Override
    public int hashCode() {
        return tensors.hashCode();
    }

    @Override
    public String toString() {
        return "Weights" + tensors.keySet();
    }

    /** Collects tensors in insertion order. */
    public static final class Builder {
        private final Map<String, FloatTensor> tensors = new LinkedHashMap<>();

        public Builder put(String name, FloatTensor tensor) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(tensor, "tensor");
            if (tensors.putIfAbsent(name, tensor) != null) {
                throw new IllegalArgumentException("Weight '" + name + "' given twice");
            }
            return this;
        }

        public Weights build() {
            return new Weights(tensors);
        }
    }
}
