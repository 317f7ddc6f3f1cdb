package org.sightline.bench;

import java.util.List;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.DepthwiseConv2D;
import org.sightline.model.Functional;
import org.sightline.model.Layer;
import org.sightline.model.Network;
import org.sightline.model.SeparableConv2D;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

/**
 * Floating-point operations of a network's forward pass on one image, counted from its layers'
 * shapes: the multiply-adds of the convolutions and dense layers, two FLOPs each (a convolution
 * {@code 2·H·W·Cout·kh·kw·Cin/groups} over its output's {@code H×W}, a dense layer {@code 2·in·out}).
 * Biases, activations, pooling, normalisation and dropout are left out: they are a few per cent of
 * the total for the reference CNN (its batch-norms and ReLUs add about 2 MFLOP to 72) and are bound by
 * memory, not arithmetic. Training is counted as three forward passes (the forward pass, then the
 * gradients at the inputs and at the weights, each a product of the same sizes), the usual estimate;
 * the optimizer's update is left out.
 *
 * <pre>{@code
 * NetworkFlops.inference(ReferenceModels.cifar10Cnn())   // 72,092,160
 * NetworkFlops.training(ReferenceModels.cifar10Cnn())    // 216,276,480
 * }</pre>
 */
public final class NetworkFlops {

    private NetworkFlops() {
    }

    /** FLOPs of one image's forward pass. */
    public static long inference(Network network) {
        List<Layer> layers = network.layers();
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            total += layer(layers.get(i), input(network, i), output(network, i));
        }
        return total;
    }

    /** FLOPs of one image's training: forward pass and both gradients, three forward passes. */
    public static long training(Network network) {
        return 3 * inference(network);
    }

    /** FLOPs of one layer on one image, from its input and output shapes. */
    static long layer(Layer layer, Shape input, Shape output) {
        if (layer instanceof Conv2D conv) {
            return 2L * spatial(output) * conv.filters() * conv.kernelHeight() * conv.kernelWidth()
                    * (input.channels() / conv.groups());
        }
        if (layer instanceof DepthwiseConv2D depthwise) {
            return 2L * spatial(output) * output.channels() * depthwise.kernelHeight() * depthwise.kernelWidth();
        }
        if (layer instanceof SeparableConv2D separable) {
            long depthwiseChannels = (long) input.channels() * separable.depthMultiplier();
            return 2L * spatial(output) * depthwiseChannels
                    * (separable.kernelHeight() * separable.kernelWidth() + separable.filters());
        }
        if (layer instanceof Dense dense) {
            return 2L * input.size() * dense.units();
        }
        return 0;
    }

    private static long spatial(Shape image) {
        return (long) image.height() * image.width();
    }

    /** The (first) input of layer {@code index}: a merge layer's FLOPs are not counted. */
    private static Shape input(Network network, int index) {
        return network instanceof Sequential sequential ? sequential.inputShape(index)
                : ((Functional) network).inputShapes(index).get(0);
    }

    private static Shape output(Network network, int index) {
        return network instanceof Sequential sequential ? sequential.outputShape(index)
                : ((Functional) network).outputShape(index);
    }
}
