package org.sightline.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sightline.ops.Ops;

/**
 * What a layer's {@link Layer#call} works with: the backend's operations, whether the model is
 * training, the layer's input shapes (one example each) and its weights by their short names.
 *
 * @param <T> the backend's tensor
 */
public final class CallContext<T> {
    private final Ops<T> ops;
    private final boolean training;
    private final boolean frozen;
    private final Layer layer;
    private final int layerIndex;
    private final List<Shape> inputShapes;
    private final Map<T, T> logitsOfSoftmax;

    CallContext(Ops<T> ops, boolean training, boolean frozen, Layer layer, int layerIndex, List<Shape> inputShapes,
            Map<T, T> logitsOfSoftmax) {
        this.ops = Objects.requireNonNull(ops, "ops");
        this.training = training;
        this.frozen = frozen;
        this.layer = layer;
        this.layerIndex = layerIndex;
        this.inputShapes = List.copyOf(inputShapes);
        this.logitsOfSoftmax = logitsOfSoftmax;
    }

    public Ops<T> ops() {
        return ops;
    }

    /** True in a training step: dropout drops, batch-norm uses and updates batch statistics. */
    public boolean training() {
        return training;
    }

    /**
     * True for a frozen layer ({@code trainable: false}): its weights are held fixed, and a frozen
     * batch-norm runs in inference mode even in a training step, as in Keras.
     */
    public boolean frozen() {
        return frozen;
    }

    /** The shape of one example of the layer's (first) input. */
    public Shape inputShape() {
        return inputShapes.get(0);
    }

    /** The shape of one example of each of the layer's inputs. */
    public List<Shape> inputShapes() {
        return inputShapes;
    }

    /** The layer's position in its model; seeds its random stream. */
    public int layerIndex() {
        return layerIndex;
    }

    /** The layer's weight {@code name} ({@code kernel}, {@code moving_mean}, ...) as the run starts. */
    public T weight(String name) {
        return ops.read(layer.name() + "/" + name);
    }

    /** Sets the layer's weight {@code name} at the end of the run (batch-norm's moving statistics). */
    public void assign(String name, T value) {
        ops.assign(layer.name() + "/" + name, value);
    }

    /**
     * {@code function} applied to {@code x}. A softmax remembers its input, so that a loss can work on
     * the logits, as Keras does.
     */
    public T activate(ActivationFunction function, T x) {
        T y = function.apply(ops, x);
        if (function == ActivationFunction.SOFTMAX) {
            logitsOfSoftmax.put(y, x);
        }
        return y;
    }
}
