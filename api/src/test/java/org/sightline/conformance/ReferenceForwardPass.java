package org.sightline.conformance;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;

/**
 * The oracle every backend is checked against: Keras's inference of a {@link Sequential}, computed
 * in plain loops with double accumulation, one example at a time, with no library underneath.
 * Slow on purpose — every line can be checked against the Keras/TensorFlow definition:
 *
 * <ul>
 * <li>Conv2D and pooling with padding {@code same} pad {@code max((out - 1) * stride + window - in, 0)}
 * in total, the smaller half on top/left and the extra one on bottom/right, as TensorFlow does;</li>
 * <li>max pooling ignores the padding, average pooling leaves it out of the count;</li>
 * <li>Dropout is the identity; BatchNormalization uses its moving statistics,
 * {@code (x - mean) / sqrt(var + epsilon) * gamma + beta};</li>
 * <li>Flatten keeps NHWC order, so it changes no value; softmax runs over the last axis.</li>
 * </ul>
 *
 * <pre>{@code
 * float[] probabilities = ReferenceForwardPass.predict(model, weights, imagesNhwc, count);
 * }</pre>
 */
public final class ReferenceForwardPass {

    private ReferenceForwardPass() {
    }

    /**
     * Runs {@code count} examples through the model.
     *
     * @param images {@code count} inputs of the model's input shape, NHWC, row-major
     * @return {@code count} outputs of the model's output shape, row-major: {@code [count, classes]}
     *         for a classifier
     */
    public static float[] predict(Sequential model, Weights weights, float[] images, int count) {
        model.requireCompatible(weights, "the reference forward pass");
        int inputSize = model.inputShape().size();
        if (count < 0 || images.length != (long) count * inputSize) {
            throw new IllegalArgumentException(count + " examples of " + model.inputShape() + " need "
                    + (long) count * inputSize + " values, got " + images.length);
        }
        Map<String, float[]> values = new HashMap<>();
        for (ModelWeight weight : model.weights()) {
            values.put(weight.key(), weights.get(weight.key()).toArray());
        }
        int outputSize = model.outputShape().size();
        float[] outputs = new float[count * outputSize];
        for (int n = 0; n < count; n++) {
            double[] x = new double[inputSize];
            for (int i = 0; i < inputSize; i++) {
                x[i] = images[n * inputSize + i];
            }
            List<Layer> layers = model.layers();
            for (int l = 0; l < layers.size(); l++) {
                x = apply(layers.get(l), model.inputShape(l), model.outputShape(l), x, values);
            }
            for (int i = 0; i < outputSize; i++) {
                outputs[n * outputSize + i] = (float) x[i];
            }
        }
        return outputs;
    }

    private static double[] apply(Layer layer, Shape in, Shape out, double[] x, Map<String, float[]> weights) {
        if (layer instanceof Conv2D conv) {
            double[] y = conv2d(conv, in, out, x, weights.get(conv.name() + "/kernel"),
                    conv.useBias() ? weights.get(conv.name() + "/bias") : null);
            return activate(conv.activation(), y, out);
        }
        if (layer instanceof Dense dense) {
            double[] y = dense(dense, x, weights.get(dense.name() + "/kernel"),
                    dense.useBias() ? weights.get(dense.name() + "/bias") : null);
            return activate(dense.activation(), y, out);
        }
        if (layer instanceof Activation activation) {
            return activate(activation.function(), x, out);
        }
        if (layer instanceof BatchNormalization bn) {
            String n = bn.name() + "/";
            return batchNormalization(bn.epsilon(), x, weights.get(n + "gamma"), weights.get(n + "beta"),
                    weights.get(n + "moving_mean"), weights.get(n + "moving_variance"));
        }
        if (layer instanceof MaxPooling2D pool) {
            return pool(pool.window(), true, in, out, x);
        }
        if (layer instanceof AveragePooling2D pool) {
            return pool(pool.window(), false, in, out, x);
        }
        if (layer instanceof Dropout || layer instanceof Flatten) {
            return x;
        }
        throw new IllegalArgumentException("The reference forward pass does not know " + layer);
    }

    /** TensorFlow's padding before the first row/column: half the total, rounded down. */
    static int padBefore(Padding padding, int in, int out, int window, int stride) {
        if (padding == Padding.VALID) {
            return 0;
        }
        int total = Math.max((out - 1) * stride + window - in, 0);
        return total / 2;
    }

    private static double[] conv2d(Conv2D conv, Shape in, Shape out, double[] x, float[] kernel, float[] bias) {
        int inH = in.height();
        int inW = in.width();
        int inC = in.channels();
        int outH = out.height();
        int outW = out.width();
        int filters = conv.filters();
        int kh = conv.kernelHeight();
        int kw = conv.kernelWidth();
        int padTop = padBefore(conv.padding(), inH, outH, kh, conv.strideHeight());
        int padLeft = padBefore(conv.padding(), inW, outW, kw, conv.strideWidth());
        double[] y = new double[outH * outW * filters];
        double[] acc = new double[filters];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int f = 0; f < filters; f++) {
                    acc[f] = bias == null ? 0 : bias[f];
                }
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * conv.strideHeight() + ky - padTop;
                    if (iy < 0 || iy >= inH) {
                        continue;
                    }
                    for (int kx = 0; kx < kw; kx++) {
                        int ix = ox * conv.strideWidth() + kx - padLeft;
                        if (ix < 0 || ix >= inW) {
                            continue;
                        }
                        for (int c = 0; c < inC; c++) {
                            double v = x[(iy * inW + ix) * inC + c];
                            // Keras kernel layout [kh, kw, in, out].
                            int k = ((ky * kw + kx) * inC + c) * filters;
                            for (int f = 0; f < filters; f++) {
                                acc[f] += v * kernel[k + f];
                            }
                        }
                    }
                }
                System.arraycopy(acc, 0, y, (oy * outW + ox) * filters, filters);
            }
        }
        return y;
    }

    private static double[] pool(PoolingWindow window, boolean max, Shape in, Shape out, double[] x) {
        int inH = in.height();
        int inW = in.width();
        int channels = in.channels();
        int outH = out.height();
        int outW = out.width();
        int padTop = padBefore(window.padding(), inH, outH, window.poolHeight(), window.strideHeight());
        int padLeft = padBefore(window.padding(), inW, outW, window.poolWidth(), window.strideWidth());
        double[] y = new double[outH * outW * channels];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int c = 0; c < channels; c++) {
                    double result = max ? Double.NEGATIVE_INFINITY : 0;
                    int counted = 0;
                    for (int py = 0; py < window.poolHeight(); py++) {
                        int iy = oy * window.strideHeight() + py - padTop;
                        if (iy < 0 || iy >= inH) {
                            continue;
                        }
                        for (int px = 0; px < window.poolWidth(); px++) {
                            int ix = ox * window.strideWidth() + px - padLeft;
                            if (ix < 0 || ix >= inW) {
                                continue;
                            }
                            double v = x[(iy * inW + ix) * channels + c];
                            result = max ? Math.max(result, v) : result + v;
                            counted++;
                        }
                    }
                    y[(oy * outW + ox) * channels + c] = max ? result : result / counted;
                }
            }
        }
        return y;
    }

    private static double[] dense(Dense dense, double[] x, float[] kernel, float[] bias) {
        int units = dense.units();
        double[] y = new double[units];
        for (int j = 0; j < units; j++) {
            y[j] = bias == null ? 0 : bias[j];
        }
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            // Keras kernel layout [in, units].
            int row = i * units;
            for (int j = 0; j < units; j++) {
                y[j] += v * kernel[row + j];
            }
        }
        return y;
    }

    private static double[] batchNormalization(double epsilon, double[] x, float[] gamma, float[] beta, float[] mean,
            float[] variance) {
        int channels = gamma.length;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % channels;
            y[i] = (x[i] - mean[c]) / Math.sqrt(variance[c] + epsilon) * gamma[c] + beta[c];
        }
        return y;
    }

    private static double[] activate(ActivationFunction function, double[] x, Shape shape) {
        double[] y = new double[x.length];
        switch (function) {
            case LINEAR:
                return x;
            case RELU:
                for (int i = 0; i < x.length; i++) {
                    y[i] = Math.max(x[i], 0);
                }
                return y;
            case SIGMOID:
                for (int i = 0; i < x.length; i++) {
                    y[i] = 1 / (1 + Math.exp(-x[i]));
                }
                return y;
            case TANH:
                for (int i = 0; i < x.length; i++) {
                    y[i] = Math.tanh(x[i]);
                }
                return y;
            case SOFTMAX:
                int last = shape.dim(shape.rank() - 1);
                for (int start = 0; start < x.length; start += last) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = start; i < start + last; i++) {
                        max = Math.max(max, x[i]);
                    }
                    double sum = 0;
                    for (int i = start; i < start + last; i++) {
                        y[i] = Math.exp(x[i] - max);
                        sum += y[i];
                    }
                    for (int i = start; i < start + last; i++) {
                        y[i] /= sum;
                    }
                }
                return y;
            default:
                throw new IllegalArgumentException("The reference forward pass does not know activation " + function);
        }
    }
}
