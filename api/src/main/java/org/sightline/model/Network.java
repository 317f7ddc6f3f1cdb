package org.sightline.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.sightline.ops.Ops;

/**
 * A model definition a backend can run: a {@link Sequential} stack or a {@link Functional} graph, with
 * one image (or vector) input and one output. Immutable and validated: every layer's shapes and
 * weights are known. What follows from the weights alone (parameter counts, seeded initial values,
 * the check of a weight file) is written once here.
 */
public sealed interface Network permits Sequential, Functional {

    String name();

    /** The shape of one example of the model's input. */
    Shape inputShape();

    /** The shape of one example of the model's output. */
    Shape outputShape();

    /** Every layer with its resolved name, in Keras's order (the order of {@link #weights()}). */
    List<Layer> layers();

    /** Every weight of the model in Keras order; {@link ModelWeight#layerIndex()} indexes {@link #layers()}. */
    List<ModelWeight> weights();

    /**
     * The model applied to {@code input}, a batch of {@link #inputShape()} examples, over a backend's
     * operations. In training mode dropout is on and batch-norm uses, and updates, the batch's
     * statistics.
     */
    <T> ModelOutput<T> call(Ops<T> ops, T input, boolean training);

    /** Keras's {@code model.summary()} table. */
    String summary();

    /**
     * The layers whose weights training holds fixed (Keras's {@code trainable: false}); a frozen
     * batch-norm also runs in inference mode in training.
     */
    Set<String> frozenLayers();

    /** Number of classes of a classifier: the size of a flat output. */
    default int numClasses() {
        Shape out = outputShape();
        if (out.rank() != 1) {
            throw new IllegalStateException("Model '" + name() + "' has output " + out + ", not a class vector");
        }
        return out.dim(0);
    }

    default long totalParams() {
        return weights().stream().mapToLong(w -> w.spec().size()).sum();
    }

    default long trainableParams() {
        return weights().stream().filter(w -> w.spec().trainable()).mapToLong(w -> w.spec().size()).sum();
    }

    default long nonTrainableParams() {
        return totalParams() - trainableParams();
    }

    /** Parameters of layer {@code index} of {@link #layers()}. */
    default long params(int index) {
        return weights().stream().filter(w -> w.layerIndex() == index).mapToLong(w -> w.spec().size()).sum();
    }

    /**
     * Fresh weights with Keras's default initializers (Glorot-uniform kernels, zero biases and betas,
     * unit gammas and moving variances), drawn in Java from {@code seed} so that every backend starts
     * a seeded run from the same values.
     */
    default Weights initialWeights(long seed) {
        Weights.Builder builder = Weights.builder();
        SplittableRandom root = new SplittableRandom(seed);
        for (ModelWeight weight : weights()) {
            SplittableRandom random = root.split();
            WeightSpec spec = weight.spec();
            int[] shape = spec.shape();
            FloatTensor tensor = switch (spec.initializer()) {
                case ZEROS -> FloatTensor.filled(shape, 0f);
                case ONES -> FloatTensor.filled(shape, 1f);
                case GLOROT_UNIFORM -> glorotUniform(shape, random);
            };
            builder.put(weight.key(), tensor);
        }
        return builder.build();
    }

    private static FloatTensor glorotUniform(int[] shape, SplittableRandom random) {
        // Keras: the last two axes are (fan_in, fan_out), leading axes form the receptive field.
        long receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            receptive *= shape[i];
        }
        double fanIn = shape.length >= 2 ? shape[shape.length - 2] * (double) receptive : shape[0];
        double fanOut = shape[shape.length - 1] * (double) receptive;
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        float[] values = new float[Math.toIntExact(Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return FloatTensor.wrap(shape, values);
    }

    /**
     * Whether the model's output is logits rather than probabilities: its last computing layer (after
     * any Flatten, Reshape or Dropout) ends with no softmax or sigmoid. Keras models trained with
     * {@code from_logits=True} end so; {@code predict} then applies the softmax itself.
     */
    default boolean outputsLogits() {
        List<Layer> layers = layers();
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            ActivationFunction last;
            if (layer instanceof Flatten || layer instanceof Reshape || layer instanceof Dropout
                    || layer instanceof SpatialDropout2D) {
                continue;
            } else if (layer instanceof Activation a) {
                last = a.function();
            } else if (layer instanceof Dense d) {
                last = d.activation();
            } else if (layer instanceof Conv2D c) {
                last = c.activation();
            } else if (layer instanceof DepthwiseConv2D c) {
                last = c.activation();
            } else if (layer instanceof SeparableConv2D c) {
                last = c.activation();
            } else if (layer instanceof Softmax) {
                last = ActivationFunction.SOFTMAX;
            } else {
                last = ActivationFunction.LINEAR;
            }
            return !(last == ActivationFunction.SOFTMAX || last == ActivationFunction.SIGMOID
                    || last == ActivationFunction.HARD_SIGMOID || last == ActivationFunction.HARD_SIGMOID_KERAS2);
        }
        return true;
    }

    /** Checks that {@code candidate} has exactly this model's weight names and shapes. */
    default void requireCompatible(Weights candidate, String source) {
        List<String> problems = new ArrayList<>();
        for (ModelWeight weight : weights()) {
            if (!candidate.contains(weight.key())) {
                problems.add("missing " + weight.key());
                continue;
            }
            int[] actual = candidate.get(weight.key()).shape();
            if (!Arrays.equals(actual, weight.spec().shape())) {
                problems.add(weight.key() + " has shape " + Arrays.toString(actual) + ", expected "
                        + Arrays.toString(weight.spec().shape()));
            }
        }
        Set<String> expected = new HashSet<>();
        weights().forEach(w -> expected.add(w.key()));
        for (String present : candidate.names()) {
            if (!expected.contains(present)) {
                problems.add("unexpected " + present);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Weights from " + source + " do not fit model '" + name() + "': "
                    + String.join("; ", problems));
        }
    }
}
