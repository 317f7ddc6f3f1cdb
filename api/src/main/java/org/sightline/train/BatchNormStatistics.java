package org.sightline.train;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sightline.data.Batches;
import org.sightline.data.ImageDataset;
import org.sightline.io.SavedModel;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.Functional;
import org.sightline.model.Layer;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;

/**
 * Re-estimates a model's batch-norm moving statistics from inference-mode activations, as
 * PyTorch's {@code swa_utils.update_bn} does. Moving statistics describe the weights they were
 * gathered under; two cases need them measured again:
 * <ul>
 * <li>averaged weights (Spark's parameter averaging, weight averaging): the average of the replicas'
 * moving statistics is not the statistics of the averaged network's activations;</li>
 * <li>brief training: after a few dozen steps at momentum 0.99 the moving statistics are still mostly
 * their initial 0 and 1, and dropout before each batch norm widens the training-mode variance, so a
 * briefly trained reference CNN predicts one class for every image (tests that train briefly use this
 * to check what a model learned, on every backend alike).</li>
 * </ul>
 *
 * <pre>{@code
 * SavedModel calibrated = BatchNormStatistics.reestimate(backend, saved, train.take(2000));
 * }</pre>
 */
public final class BatchNormStatistics {
    private static final String STATISTICS_FLATTEN = "statistics_flatten";

    private BatchNormStatistics() {
    }

    /**
     * {@code saved} with each batch norm's {@code moving_mean} and {@code moving_variance} replaced by
     * the mean and (biased) variance per channel of its input over {@code images}, layer after layer, on
     * {@code backend}'s inference path: every number in the result still comes from that backend.
     */
    public static SavedModel reestimate(Backend backend, SavedModel saved, ImageDataset images) {
        Network model = saved.model();
        Map<String, FloatTensor> weights = new LinkedHashMap<>(saved.weights().asMap());
        float[] input = Batches.inOrder(images, images.size()).iterator().next().images();
        List<Layer> layers = model.layers();
        for (int index = 0; index < layers.size(); index++) {
            if (layers.get(index) instanceof BatchNormalization norm) {
                Shape shape = inputShape(model, index);
                int axis = norm.axisOf(shape);
                int channels = shape.dim(axis);
                int inner = 1;
                for (int a = axis + 1; a < shape.rank(); a++) {
                    inner *= shape.dim(a);
                }
                float[] activations = activations(backend, model, index, Weights.of(weights), input, images.size());
                float[][] moments = momentsPerChannel(activations, channels, inner);
                weights.put(norm.name() + "/moving_mean", FloatTensor.of(new int[] {channels}, moments[0]));
                weights.put(norm.name() + "/moving_variance", FloatTensor.of(new int[] {channels}, moments[1]));
            }
        }
        return saved.with(Weights.of(weights), saved.training());
    }

    private static Shape inputShape(Network model, int index) {
        return model instanceof Sequential sequential ? sequential.inputShape(index)
                : ((Functional) model).inputShapes(index).get(0);
    }

    /** The input of layer {@code index}, flattened (channels last) so any backend's engine can return it. */
    private static float[] activations(Backend backend, Network model, int index, Weights weights, float[] input,
            int count) {
        Network head = model instanceof Sequential sequential ? head(sequential, index)
                : head((Functional) model, index);
        Weights.Builder headWeights = Weights.builder();
        for (ModelWeight weight : head.weights()) {
            headWeights.put(weight.key(), weights.get(weight.key()));
        }
        try (ModelEngine engine = backend.createEngine(
                EngineRequest.inference(head, headWeights.build(), Device.cpu()))) {
            return engine.predict(input, count);
        }
    }

    /** The layers before {@code index}, then a flatten. */
    private static Sequential head(Sequential model, int index) {
        List<Layer> prefix = new ArrayList<>(model.layers().subList(0, index));
        prefix.add(Flatten.of().withName(STATISTICS_FLATTEN));
        return Sequential.of(model.name(), model.inputShape(), prefix);
    }

    /** The layers layer {@code index}'s first input depends on, then a flatten of that input. */
    private static Functional head(Functional model, int index) {
        String source = model.nodes().get(index).inbound().get(0);
        Set<String> needed = new HashSet<>(List.of(source));
        List<Functional.Node> kept = new ArrayList<>();
        for (int i = index - 1; i >= 0; i--) {
            Functional.Node node = model.nodes().get(i);
            if (needed.contains(node.layer().name())) {
                kept.add(0, node);
                needed.addAll(node.inbound());
            }
        }
        kept.add(new Functional.Node(Flatten.of().withName(STATISTICS_FLATTEN), List.of(source)));
        return Functional.of(model.name(), model.input(), kept, STATISTICS_FLATTEN);
    }

    /**
     * Mean and biased variance of each channel of a row-major array whose channel axis is followed by
     * {@code inner} values (1 for channels last), accumulated in double.
     */
    static float[][] momentsPerChannel(float[] values, int channels, int inner) {
        double[] sum = new double[channels];
        double[] squares = new double[channels];
        for (int i = 0; i < values.length; i++) {
            sum[i / inner % channels] += values[i];
        }
        long perChannel = values.length / channels;
        float[] mean = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) (sum[c] / perChannel);
        }
        for (int i = 0; i < values.length; i++) {
            int c = i / inner % channels;
            double d = values[i] - sum[c] / perChannel;
            squares[c] += d * d;
        }
        float[] variance = new float[channels];
        for (int c = 0; c < channels; c++) {
            variance[c] = (float) (squares[c] / perChannel);
        }
        return new float[][] {mean, variance};
    }
}
