package org.sightline.dl4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.data.Batch;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.Layer;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

/**
 * A {@link Sequential} compiled into {@link Stage}s that call libnd4j's operations directly, forward
 * and backward, with Keras's semantics. A pass (the stages for one batch size, training or inference)
 * allocates its arrays once and is kept for the next batch of that size, so a training step allocates
 * nothing but a few per-channel temporaries. Weights stay in Keras's layout and names; images run in
 * the chosen {@link ImageLayout}.
 *
 * <p>Threads: {@link #predict} may run on many threads at once. A pass's arrays are written by every
 * forward, so a pass serves one call at a time: a call takes an idle pass of its batch size (or builds
 * one) and gives it back afterwards; the weights are only read. Everything else, training included,
 * is for one thread with no prediction in flight, which {@link Dl4jEngine} ensures.
 */
final class Network implements AutoCloseable {
    /** Keras clips probabilities by this before taking the log in categorical cross-entropy. */
    private static final double KERAS_EPSILON = 1e-7;
    private static final int PASSES_KEPT = 2;

    private final Sequential model;
    private final ImageLayout layout;
    private final Map<String, INDArray> weights;
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private final Random random;
    private final Map<Integer, Pass> trainingPasses = passCache();
    /** Inference passes no call is using, the most recently given back first; guarded by itself. */
    private final Deque<Pass> idleInferencePasses = new ArrayDeque<>();
    private int inferencePassesInUse;
    /**
     * How many idle inference passes are kept: {@value #PASSES_KEPT}, or as many as calls ever ran at
     * once, so that threads predicting together reuse their passes instead of building new ones.
     */
    private int idleInferencePassesKept = PASSES_KEPT;

    /**
     * @param weights  the model's weights in Keras layout, updated in place by the caller's optimizer;
     *                 the network reads them, never closes them
     * @param training whether to keep gradient arrays and a dropout generator seeded with {@code seed}
     */
    Network(Sequential model, Map<String, INDArray> weights, ImageLayout layout, boolean training, long seed) {
        this.model = model;
        this.layout = layout;
        this.weights = weights;
        if (training) {
            model.weights().stream().filter(w -> w.spec().trainable()).forEach(w -> gradients.put(w.key(),
                    Nd4j.zeros(DataType.FLOAT, weights.get(w.key()).shape())));
            this.random = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        } else {
            this.random = null;
        }
        for (Layer layer : model.layers()) {
            if (!(layer instanceof Conv2D || layer instanceof Dense || layer instanceof Activation
                    || layer instanceof Dropout || layer instanceof BatchNormalization || layer instanceof MaxPooling2D
                    || layer instanceof AveragePooling2D || layer instanceof Flatten)) {
                throw new IllegalArgumentException("The dl4j backend cannot run layer " + layer.kerasClass() + " '"
                        + layer.name() + "'");
            }
        }
    }

    private static Map<Integer, Pass> passCache() {
        return new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Pass> eldest) {
                if (size() > PASSES_KEPT) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };
    }

    /** Gradient arrays of the trainable weights, filled by {@link #forwardBackward}. */
    Map<String, INDArray> gradients() {
        return gradients;
    }

    /** Class probabilities, row-major {@code [count, classes]}, for NHWC images. Safe on many threads. */
    float[] predict(float[] images, int count) {
        Pass pass = takeInferencePass(count);
        try {
            pass.load(images);
            pass.forward(false);
            return NdArrays.toFloats(pass.output());
        } finally {
            giveBack(pass);
        }
    }

    private Pass takeInferencePass(int size) {
        synchronized (idleInferencePasses) {
            inferencePassesInUse++;
            idleInferencePassesKept = Math.max(idleInferencePassesKept, inferencePassesInUse);
            for (Iterator<Pass> it = idleInferencePasses.iterator(); it.hasNext();) {
                Pass pass = it.next();
                if (pass.size == size) {
                    it.remove();
                    return pass;
                }
            }
        }
        // Built outside the lock: other threads go on predicting while this one allocates.
        try {
            return new Pass(size, false);
        } catch (RuntimeException e) {
            synchronized (idleInferencePasses) {
                inferencePassesInUse--;
            }
            throw e;
        }
    }

    private void giveBack(Pass pass) {
        synchronized (idleInferencePasses) {
            inferencePassesInUse--;
            idleInferencePasses.addFirst(pass);
            while (idleInferencePasses.size() > idleInferencePassesKept) {
                idleInferencePasses.removeLast().close();
            }
        }
    }

    /** The loss and how many examples the training forward pass classified correctly. */
    record Outcome(double loss, int correct) {
    }

    /**
     * Forward in training mode (dropout on, batch statistics) and backward: afterwards
     * {@link #gradients()} hold the loss's gradients and the batch-norm steps hold their batch statistics.
     */
    Outcome forwardBackward(Batch batch) {
        if (random == null) {
            throw new IllegalStateException("Network for model '" + model.name() + "' was built for inference only");
        }
        Pass pass = trainingPasses.computeIfAbsent(batch.size(), n -> new Pass(n, true));
        pass.load(batch.images());
        pass.forward(true);
        Outcome outcome = pass.lossGradient(batch);
        pass.backward();
        return outcome;
    }

    /** Folds the last training pass's batch statistics into the moving ones. */
    void updateMovingStatistics(int batchSize) {
        for (Stage stage : trainingPasses.get(batchSize).stages) {
            if (stage instanceof BatchNormStage bn) {
                bn.updateMovingStatistics();
            }
        }
    }

    @Override
    public void close() {
        trainingPasses.values().forEach(Pass::close);
        trainingPasses.clear();
        synchronized (idleInferencePasses) {
            idleInferencePasses.forEach(Pass::close);
            idleInferencePasses.clear();
        }
        gradients.values().forEach(INDArray::close);
        if (random != null) {
            try {
                random.close();
            } catch (Exception e) {
                throw new IllegalStateException("Could not close the dropout generator", e);
            }
        }
    }

    /** The stages for one batch size, with their arrays. */
    private final class Pass implements AutoCloseable {
        private final int size;
        private final INDArray input;
        private final List<Stage> stages = new ArrayList<>();
        /** Stages before this index only convert the input and need no backward. */
        private int firstLayerStage;
        private INDArray outputGradient;

        Pass(int size, boolean training) {
            this.size = size;
            Shape inputShape = model.inputShape();
            this.input = Nd4j.createUninitialized(DataType.FLOAT, Stage.withBatch(size, longs(inputShape.dims())));
            try {
                build(training);
                if (training) {
                    prepareBackward();
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private void build(boolean training) {
            INDArray current = input;
            if (model.inputShape().isImage() && layout == ImageLayout.NCHW) {
                current = add(ReshapeStage.toChannelsFirst(current));
            }
            firstLayerStage = stages.size();
            List<Layer> layers = model.layers();
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                String name = layer.name();
                Shape out = model.outputShape(i);
                if (layer instanceof Conv2D conv) {
                    current = add(new ConvolutionStage(current, conv, layout.exampleShape(out), layout,
                            weights.get(name + "/kernel"), weights.get(name + "/bias"),
                            gradients.get(name + "/kernel"), gradients.get(name + "/bias")));
                    current = activate(current, conv.activation(), out, training);
                } else if (layer instanceof Dense dense) {
                    current = add(new DenseStage(current, weights.get(name + "/kernel"), weights.get(name + "/bias"),
                            gradients.get(name + "/kernel"), gradients.get(name + "/bias")));
                    current = activate(current, dense.activation(), out, training);
                } else if (layer instanceof Activation activation) {
                    current = activate(current, activation.function(), out, training);
                } else if (layer instanceof Dropout dropout) {
                    if (training && dropout.rate() > 0) {
                        current = add(new DropoutStage(current, dropout.rate(), random));
                    }
                } else if (layer instanceof BatchNormalization bn) {
                    BatchNormStage.Weights w = new BatchNormStage.Weights(weights.get(name + "/gamma"),
                            weights.get(name + "/beta"), weights.get(name + "/moving_mean"),
                            weights.get(name + "/moving_variance"), gradients.get(name + "/gamma"),
                            gradients.get(name + "/beta"));
                    current = add(new BatchNormStage(current, bn, w, out.isImage() ? layout.channelAxis() : 1,
                            out.isImage() ? layout.batchNormAxes() : new int[] {0}, training));
                } else if (layer instanceof MaxPooling2D pool) {
                    current = add(new PoolingStage(current, pool.window(), true, layout.exampleShape(out), layout));
                } else if (layer instanceof AveragePooling2D pool) {
                    current = add(new PoolingStage(current, pool.window(), false, layout.exampleShape(out), layout));
                } else if (layer instanceof Flatten && model.inputShape(i).isImage()) {
                    current = add(ReshapeStage.flatten(current, layout));
                }
            }
        }

        private INDArray activate(INDArray current, ActivationFunction function, Shape out, boolean training) {
            if (function == ActivationFunction.LINEAR) {
                return current;
            }
            return add(new ActivationStage(current, function, out.isImage() ? layout.channelAxis() : 1, training));
        }

        private INDArray add(Stage stage) {
            stages.add(stage);
            return stage.output();
        }

        private void prepareBackward() {
            Stage last = stages.get(stages.size() - 1);
            outputGradient = Nd4j.createUninitialized(DataType.FLOAT, last.output().shape());
            INDArray gradient = outputGradient;
            for (int i = stages.size() - 1; i >= firstLayerStage; i--) {
                stages.get(i).prepareBackward(gradient);
                gradient = stages.get(i).inputGradient();
            }
        }

        void load(float[] images) {
            if (images.length != input.length()) {
                throw new IllegalArgumentException("Expected " + size + " images of " + model.inputShape() + " = "
                        + input.length() + " floats, got " + images.length);
            }
            input.data().setData(images);
        }

        void forward(boolean training) {
            for (Stage stage : stages) {
                stage.forward(training);
            }
        }

        INDArray output() {
            return stages.isEmpty() ? input : stages.get(stages.size() - 1).output();
        }

        private boolean endsWithSoftmax() {
            return !stages.isEmpty() && stages.get(stages.size() - 1) instanceof ActivationStage a
                    && a.function() == ActivationFunction.SOFTMAX;
        }

        /**
         * Keras's categorical cross-entropy and its gradient, computed here in double precision on the
         * small {@code [batch, classes]} arrays. After a softmax, as Keras (TF) does, from its logits:
         * the gradient goes straight to the logits, {@code (softmax - labels) / n}.
         */
        Outcome lossGradient(Batch batch) {
            int n = batch.size();
            int classes = model.numClasses();
            float[] probabilities = NdArrays.toFloats(output());
            float[] labels = batch.oneHot();
            double loss = 0;
            float[] gradient = new float[n * classes];
            if (endsWithSoftmax()) {
                float[] logits = NdArrays.toFloats(stages.get(stages.size() - 1).input);
                for (int i = 0; i < n; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < classes; c++) {
                        max = Math.max(max, logits[i * classes + c]);
                    }
                    double sum = 0;
                    for (int c = 0; c < classes; c++) {
                        sum += Math.exp(logits[i * classes + c] - max);
                    }
                    double logSum = max + Math.log(sum);
                    for (int c = 0; c < classes; c++) {
                        int k = i * classes + c;
                        loss += labels[k] * (logSum - logits[k]);
                        gradient[k] = (float) ((Math.exp(logits[k] - logSum) - labels[k]) / n);
                    }
                }
                stages.get(stages.size() - 1).inputGradient().data().setData(gradient);
            } else {
                for (int i = 0; i < n; i++) {
                    double total = 0;
                    for (int c = 0; c < classes; c++) {
                        total += probabilities[i * classes + c];
                    }
                    // d loss / d q for q = p / total, clipped as Keras clips
                    double[] dq = new double[classes];
                    double weighted = 0;
                    for (int c = 0; c < classes; c++) {
                        int k = i * classes + c;
                        double q = probabilities[k] / total;
                        double clipped = Math.min(Math.max(q, KERAS_EPSILON), 1 - KERAS_EPSILON);
                        loss -= labels[k] * Math.log(clipped);
                        dq[c] = clipped == q ? -labels[k] / q : 0;
                        weighted += dq[c] * probabilities[k];
                    }
                    for (int c = 0; c < classes; c++) {
                        gradient[i * classes + c] = (float) ((dq[c] / total - weighted / (total * total)) / n);
                    }
                }
                outputGradient.data().setData(gradient);
            }
            int correct = 0;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
                        best = c;
                    }
                }
                if (batch.labels()[i] == best) {
                    correct++;
                }
            }
            return new Outcome(loss / n, correct);
        }

        void backward() {
            int last = stages.size() - 1;
            for (int i = endsWithSoftmax() ? last - 1 : last; i >= firstLayerStage; i--) {
                stages.get(i).backward();
            }
        }

        @Override
        public void close() {
            stages.forEach(Stage::close);
            stages.clear();
            input.close();
            if (outputGradient != null) {
                outputGradient.close();
            }
        }
    }

    private static long[] longs(int[] values) {
        long[] result = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }
}
