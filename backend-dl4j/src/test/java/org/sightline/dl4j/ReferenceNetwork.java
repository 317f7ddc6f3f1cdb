package org.sightline.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sightline.data.Batch;
import org.sightline.model.Activation;
import org.sightline.model.ActivationFunction;
import org.sightline.model.AveragePooling2D;
import org.sightline.model.BatchNormalization;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Dropout;
import org.sightline.model.Flatten;
import org.sightline.model.FloatTensor;
import org.sightline.model.Layer;
import org.sightline.model.MaxNorm;
import org.sightline.model.MaxPooling2D;
import org.sightline.model.ModelWeight;
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.compile.Adam;

/**
 * A known-good training computation to hold the engine against (the api's ReferenceForwardPass covers
 * inference): Keras semantics written out as plain loops in double precision, NHWC as Keras. Forward
 * in training mode, backward and Keras's training step (Adam, moving statistics, MaxNorm) for models
 * whose dropout rate is 0, with softmax, ReLU or linear activations.
 */
final class ReferenceNetwork {
    private final Sequential model;
    private final Map<String, double[]> weights = new LinkedHashMap<>();
    private final Map<String, double[]> firstMoments = new LinkedHashMap<>();
    private final Map<String, double[]> secondMoments = new LinkedHashMap<>();
    private long iterations;

    ReferenceNetwork(Sequential model, Weights initial) {
        this.model = model;
        for (ModelWeight weight : model.weights()) {
            FloatTensor tensor = initial.get(weight.key());
            double[] values = new double[tensor.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = tensor.get(i);
            }
            weights.put(weight.key(), values);
            if (weight.spec().trainable()) {
                firstMoments.put(weight.key(), new double[values.length]);
                secondMoments.put(weight.key(), new double[values.length]);
            }
        }
    }

    /** An activation with its per-example shape (NHWC for images). */
    private record Tensor(double[] values, int n, Shape shape) {
        int size() {
            return shape.size();
        }
    }

    /** What backward needs from one layer's forward pass. */
    private record Step(Layer layer, Tensor input, Tensor output, double[] extra) {
    }

    private Tensor forward(float[] images, int n, boolean training, List<Step> steps) {
        double[] x = new double[images.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = images[i];
        }
        Tensor current = new Tensor(x, n, model.inputShape());
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            Shape out = model.outputShape(i);
            double[] extra = null;
            Tensor next;
            if (layer instanceof Conv2D conv) {
                next = activate(conv(conv, current, out), conv.activation());
            } else if (layer instanceof Dense dense) {
                next = activate(dense(dense, current, out), dense.activation());
            } else if (layer instanceof Activation activation) {
                next = activate(current, activation.function());
            } else if (layer instanceof Dropout dropout) {
                if (training && dropout.rate() > 0) {
                    throw new UnsupportedOperationException("reference training needs dropout rate 0");
                }
                next = current;
            } else if (layer instanceof BatchNormalization bn) {
                extra = new double[2 * lastDim(current)];
                next = batchNorm(bn, current, training, extra);
            } else if (layer instanceof MaxPooling2D pool) {
                next = pool(pool.window(), current, out, true);
            } else if (layer instanceof AveragePooling2D pool) {
                next = pool(pool.window(), current, out, false);
            } else if (layer instanceof Flatten) {
                next = new Tensor(current.values, n, out);
            } else {
                throw new IllegalArgumentException(layer.toString());
            }
            steps.add(new Step(layer, current, next, extra));
            current = next;
        }
        return current;
    }

    private static int lastDim(Tensor t) {
        return t.shape.dim(t.shape.rank() - 1);
    }

    /** Visits every (input, kernel, output) index triple of a convolution that falls inside the image. */
    private interface Tap {
        void visit(int inputIndex, int kernelIndex, int outputIndex);
    }

    private static void forEachTap(Conv2D conv, Tensor in, Shape out, Tap tap) {
        Shape s = in.shape;
        int padTop = padBefore(conv.padding(), s.height(), out.height(), conv.strideHeight(), conv.kernelHeight());
        int padLeft = padBefore(conv.padding(), s.width(), out.width(), conv.strideWidth(), conv.kernelWidth());
        int cin = s.channels();
        int cout = out.channels();
        for (int n = 0; n < in.n; n++) {
            for (int oy = 0; oy < out.height(); oy++) {
                for (int ky = 0; ky < conv.kernelHeight(); ky++) {
                    int iy = oy * conv.strideHeight() + ky - padTop;
                    if (iy < 0 || iy >= s.height()) {
                        continue;
                    }
                    for (int ox = 0; ox < out.width(); ox++) {
                        for (int kx = 0; kx < conv.kernelWidth(); kx++) {
                            int ix = ox * conv.strideWidth() + kx - padLeft;
                            if (ix < 0 || ix >= s.width()) {
                                continue;
                            }
                            for (int c = 0; c < cin; c++) {
                                for (int o = 0; o < cout; o++) {
                                    tap.visit(((n * s.height() + iy) * s.width() + ix) * cin + c,
                                            ((ky * conv.kernelWidth() + kx) * cin + c) * cout + o,
                                            ((n * out.height() + oy) * out.width() + ox) * cout + o);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private Tensor conv(Conv2D conv, Tensor in, Shape out) {
        double[] kernel = weights.get(conv.name() + "/kernel");
        double[] y = new double[in.n * out.size()];
        if (conv.useBias()) {
            double[] bias = weights.get(conv.name() + "/bias");
            for (int i = 0; i < y.length; i++) {
                y[i] = bias[i % out.channels()];
            }
        }
        forEachTap(conv, in, out, (xi, ki, yi) -> y[yi] += in.values[xi] * kernel[ki]);
        return new Tensor(y, in.n, out);
    }

    /** TF's 'same' padding puts the odd pixel after, not before. */
    private static int padBefore(Padding padding, int in, int out, int stride, int window) {
        return padding == Padding.VALID ? 0 : Math.max((out - 1) * stride + window - in, 0) / 2;
    }

    private Tensor dense(Dense dense, Tensor in, Shape out) {
        double[] kernel = weights.get(dense.name() + "/kernel");
        double[] bias = dense.useBias() ? weights.get(dense.name() + "/bias") : null;
        int units = out.dim(0);
        int inputs = in.size();
        double[] y = new double[in.n * units];
        for (int n = 0; n < in.n; n++) {
            for (int u = 0; u < units; u++) {
                double sum = bias == null ? 0 : bias[u];
                for (int i = 0; i < inputs; i++) {
                    sum += in.values[n * inputs + i] * kernel[i * units + u];
                }
                y[n * units + u] = sum;
            }
        }
        return new Tensor(y, in.n, out);
    }

    private static Tensor activate(Tensor in, ActivationFunction function) {
        double[] y = in.values.clone();
        int last = lastDim(in);
        switch (function) {
            case LINEAR -> {
            }
            case RELU -> {
                for (int i = 0; i < y.length; i++) {
                    y[i] = Math.max(0, y[i]);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < y.length; i++) {
                    y[i] = 1 / (1 + Math.exp(-y[i]));
                }
            }
            case TANH -> {
                for (int i = 0; i < y.length; i++) {
                    y[i] = Math.tanh(y[i]);
                }
            }
            case SOFTMAX -> {
                for (int start = 0; start < y.length; start += last) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < last; c++) {
                        max = Math.max(max, y[start + c]);
                    }
                    double sum = 0;
                    for (int c = 0; c < last; c++) {
                        y[start + c] = Math.exp(y[start + c] - max);
                        sum += y[start + c];
                    }
                    for (int c = 0; c < last; c++) {
                        y[start + c] /= sum;
                    }
                }
            }
        }
        return new Tensor(y, in.n, in.shape);
    }

    /** {@code stats} receives the mean and variance used (batch ones in training). */
    private Tensor batchNorm(BatchNormalization bn, Tensor in, boolean training, double[] stats) {
        String name = bn.name();
        int channels = lastDim(in);
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        if (training) {
            int count = in.values.length / channels;
            for (int i = 0; i < in.values.length; i++) {
                mean[i % channels] += in.values[i] / count;
            }
            for (int i = 0; i < in.values.length; i++) {
                double d = in.values[i] - mean[i % channels];
                variance[i % channels] += d * d / count;
            }
        } else {
            mean = weights.get(name + "/moving_mean").clone();
            variance = weights.get(name + "/moving_variance").clone();
        }
        System.arraycopy(mean, 0, stats, 0, channels);
        System.arraycopy(variance, 0, stats, channels, channels);
        double[] gamma = weights.get(name + "/gamma");
        double[] beta = weights.get(name + "/beta");
        double[] y = new double[in.values.length];
        for (int i = 0; i < y.length; i++) {
            int c = i % channels;
            y[i] = gamma[c] * (in.values[i] - mean[c]) / Math.sqrt(variance[c] + bn.epsilon()) + beta[c];
        }
        return new Tensor(y, in.n, in.shape);
    }

    private static Tensor pool(PoolingWindow window, Tensor in, Shape out, boolean max) {
        Shape s = in.shape;
        int padTop = padBefore(window.padding(), s.height(), out.height(), window.strideHeight(), window.poolHeight());
        int padLeft = padBefore(window.padding(), s.width(), out.width(), window.strideWidth(), window.poolWidth());
        int channels = s.channels();
        double[] y = new double[in.n * out.size()];
        for (int n = 0; n < in.n; n++) {
            for (int oy = 0; oy < out.height(); oy++) {
                for (int ox = 0; ox < out.width(); ox++) {
                    for (int c = 0; c < channels; c++) {
                        double best = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        int count = 0;
                        for (int ky = 0; ky < window.poolHeight(); ky++) {
                            int iy = oy * window.strideHeight() + ky - padTop;
                            for (int kx = 0; kx < window.poolWidth(); kx++) {
                                int ix = ox * window.strideWidth() + kx - padLeft;
                                if (iy < 0 || iy >= s.height() || ix < 0 || ix >= s.width()) {
                                    continue;
                                }
                                double v = in.values[((n * s.height() + iy) * s.width() + ix) * channels + c];
                                best = Math.max(best, v);
                                sum += v;
                                count++;
                            }
                        }
                        y[((n * out.height() + oy) * out.width() + ox) * channels + c] = max ? best : sum / count;
                    }
                }
            }
        }
        return new Tensor(y, in.n, out);
    }

    /** Loss and gradients of the trainable weights on {@code batch}, Keras names and layout. */
    record Gradients(double loss, Map<String, double[]> byWeight, Map<String, double[]> batchStatistics) {
    }

    Gradients gradients(Batch batch) {
        List<Step> steps = new ArrayList<>();
        Tensor output = forward(batch.images(), batch.size(), true, steps);
        int n = batch.size();
        int classes = lastDim(output);
        double loss = 0;
        double[] grad = new double[output.values.length];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < classes; c++) {
                double y = batch.oneHot()[i * classes + c];
                double p = output.values[i * classes + c];
                loss -= y * Math.log(p) / n;
                // Softmax and cross-entropy together: d loss / d logits = (p - y) / n.
                grad[i * classes + c] = (p - y) / n;
            }
        }
        Map<String, double[]> gradients = new LinkedHashMap<>();
        Map<String, double[]> statistics = new LinkedHashMap<>();
        boolean softmaxDone = false;
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step step = steps.get(i);
            Layer layer = step.layer;
            ActivationFunction activation = activationOf(layer);
            if (activation == ActivationFunction.SOFTMAX) {
                if (softmaxDone || i != steps.size() - 1) {
                    throw new UnsupportedOperationException("softmax only as the last activation");
                }
                softmaxDone = true;
            } else if (activation == ActivationFunction.RELU) {
                for (int k = 0; k < grad.length; k++) {
                    if (step.output.values[k] <= 0) {
                        grad[k] = 0;
                    }
                }
            } else if (activation != ActivationFunction.LINEAR) {
                throw new UnsupportedOperationException("reference backward supports softmax, relu, linear");
            }
            if (layer instanceof Conv2D conv) {
                grad = convBackward(conv, step.input, step.output.shape, grad, gradients);
            } else if (layer instanceof Dense dense) {
                grad = denseBackward(dense, step.input, step.output.shape, grad, gradients);
            } else if (layer instanceof BatchNormalization bn) {
                statistics.put(bn.name(), step.extra);
                grad = batchNormBackward(bn, step.input, grad, step.extra, gradients);
            } else if (layer instanceof MaxPooling2D pool) {
                grad = maxPoolBackward(pool.window(), step.input, step.output, grad);
            } else if (layer instanceof Dropout || layer instanceof Flatten || layer instanceof Activation) {
                // identity for the gradient (activations handled above)
            } else {
                throw new UnsupportedOperationException("reference backward of " + layer.kerasClass());
            }
        }
        return new Gradients(loss, gradients, statistics);
    }

    private static ActivationFunction activationOf(Layer layer) {
        if (layer instanceof Conv2D conv) {
            return conv.activation();
        }
        if (layer instanceof Dense dense) {
            return dense.activation();
        }
        if (layer instanceof Activation activation) {
            return activation.function();
        }
        return ActivationFunction.LINEAR;
    }

    private double[] convBackward(Conv2D conv, Tensor in, Shape out, double[] dOut, Map<String, double[]> grads) {
        double[] kernel = weights.get(conv.name() + "/kernel");
        double[] dKernel = new double[kernel.length];
        double[] dBias = new double[out.channels()];
        double[] dIn = new double[in.values.length];
        for (int i = 0; i < dOut.length; i++) {
            dBias[i % out.channels()] += dOut[i];
        }
        forEachTap(conv, in, out, (xi, ki, yi) -> {
            dKernel[ki] += in.values[xi] * dOut[yi];
            dIn[xi] += kernel[ki] * dOut[yi];
        });
        grads.put(conv.name() + "/kernel", dKernel);
        if (conv.useBias()) {
            grads.put(conv.name() + "/bias", dBias);
        }
        return dIn;
    }

    private double[] denseBackward(Dense dense, Tensor in, Shape out, double[] dOut, Map<String, double[]> grads) {
        double[] kernel = weights.get(dense.name() + "/kernel");
        int units = out.dim(0);
        int inputs = in.size();
        double[] dKernel = new double[kernel.length];
        double[] dBias = new double[units];
        double[] dIn = new double[in.values.length];
        for (int n = 0; n < in.n; n++) {
            for (int u = 0; u < units; u++) {
                double g = dOut[n * units + u];
                dBias[u] += g;
                for (int i = 0; i < inputs; i++) {
                    dKernel[i * units + u] += in.values[n * inputs + i] * g;
                    dIn[n * inputs + i] += kernel[i * units + u] * g;
                }
            }
        }
        grads.put(dense.name() + "/kernel", dKernel);
        if (dense.useBias()) {
            grads.put(dense.name() + "/bias", dBias);
        }
        return dIn;
    }

    private double[] batchNormBackward(BatchNormalization bn, Tensor in, double[] dOut, double[] stats,
            Map<String, double[]> grads) {
        int channels = lastDim(in);
        int count = in.values.length / channels;
        double[] gamma = weights.get(bn.name() + "/gamma");
        double[] dGamma = new double[channels];
        double[] dBeta = new double[channels];
        double[] meanG = new double[channels];
        double[] meanGX = new double[channels];
        double[] xhat = new double[in.values.length];
        for (int i = 0; i < xhat.length; i++) {
            int c = i % channels;
            xhat[i] = (in.values[i] - stats[c]) / Math.sqrt(stats[channels + c] + bn.epsilon());
            dGamma[c] += dOut[i] * xhat[i];
            dBeta[c] += dOut[i];
        }
        for (int c = 0; c < channels; c++) {
            meanG[c] = dBeta[c] * gamma[c] / count;
            meanGX[c] = dGamma[c] * gamma[c] / count;
        }
        double[] dIn = new double[in.values.length];
        for (int i = 0; i < dIn.length; i++) {
            int c = i % channels;
            double dxhat = dOut[i] * gamma[c];
            dIn[i] = (dxhat - meanG[c] - xhat[i] * meanGX[c]) / Math.sqrt(stats[channels + c] + bn.epsilon());
        }
        grads.put(bn.name() + "/gamma", dGamma);
        grads.put(bn.name() + "/beta", dBeta);
        return dIn;
    }

    private static double[] maxPoolBackward(PoolingWindow window, Tensor in, Tensor out, double[] dOut) {
        if (window.padding() != Padding.VALID) {
            throw new UnsupportedOperationException("reference max-pool backward needs padding 'valid'");
        }
        Shape s = in.shape;
        Shape o = out.shape;
        int channels = s.channels();
        double[] dIn = new double[in.values.length];
        for (int n = 0; n < in.n; n++) {
            for (int oy = 0; oy < o.height(); oy++) {
                for (int ox = 0; ox < o.width(); ox++) {
                    for (int c = 0; c < channels; c++) {
                        int best = -1;
                        for (int ky = 0; ky < window.poolHeight(); ky++) {
                            for (int kx = 0; kx < window.poolWidth(); kx++) {
                                int iy = oy * window.strideHeight() + ky;
                                int ix = ox * window.strideWidth() + kx;
                                int xi = ((n * s.height() + iy) * s.width() + ix) * channels + c;
                                if (best < 0 || in.values[xi] > in.values[best]) {
                                    best = xi;
                                }
                            }
                        }
                        dIn[best] += dOut[((n * o.height() + oy) * o.width() + ox) * channels + c];
                    }
                }
            }
        }
        return dIn;
    }

    /** Keras's training step: gradients, moving statistics, Adam, then kernel constraints. Returns the loss. */
    double trainStep(Batch batch, Adam adam) {
        Gradients g = gradients(batch);
        for (Layer layer : model.layers()) {
            if (layer instanceof BatchNormalization bn) {
                double[] stats = g.batchStatistics.get(bn.name());
                double[] mean = weights.get(bn.name() + "/moving_mean");
                double[] variance = weights.get(bn.name() + "/moving_variance");
                for (int c = 0; c < mean.length; c++) {
                    mean[c] = mean[c] * bn.momentum() + stats[c] * (1 - bn.momentum());
                    variance[c] = variance[c] * bn.momentum() + stats[mean.length + c] * (1 - bn.momentum());
                }
            }
        }
        iterations++;
        double lrT = adam.learningRate() * Math.sqrt(1 - Math.pow(adam.beta2(), iterations))
                / (1 - Math.pow(adam.beta1(), iterations));
        g.byWeight.forEach((name, gradient) -> {
            double[] w = weights.get(name);
            double[] m = firstMoments.get(name);
            double[] v = secondMoments.get(name);
            for (int i = 0; i < w.length; i++) {
                m[i] = adam.beta1() * m[i] + (1 - adam.beta1()) * gradient[i];
                v[i] = adam.beta2() * v[i] + (1 - adam.beta2()) * gradient[i] * gradient[i];
                w[i] -= lrT * m[i] / (Math.sqrt(v[i]) + adam.epsilon());
            }
        });
        for (ModelWeight weight : model.weights()) {
            if (weight.spec().constraint() instanceof MaxNorm maxNorm) {
                maxNorm(weights.get(weight.key()), weight.spec().shape(), maxNorm);
            }
        }
        return g.loss;
    }

    /** Keras: {@code w * clip(norm, 0, max) / (1e-7 + norm)}, norm over axis 0 of a 2-D kernel. */
    private static void maxNorm(double[] w, int[] shape, MaxNorm maxNorm) {
        if (shape.length != 2 || maxNorm.axes().length != 1 || maxNorm.axes()[0] != 0) {
            throw new UnsupportedOperationException("reference MaxNorm covers axis 0 of a Dense kernel");
        }
        int rows = shape[0];
        int cols = shape[1];
        for (int col = 0; col < cols; col++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += w[r * cols + col] * w[r * cols + col];
            }
            double norm = Math.sqrt(sum);
            double scale = Math.min(norm, maxNorm.maxValue()) / (1e-7 + norm);
            for (int r = 0; r < rows; r++) {
                w[r * cols + col] *= scale;
            }
        }
    }

    double[] weight(String name) {
        return weights.get(name).clone();
    }

    double[] moment(String name, boolean first) {
        return (first ? firstMoments : secondMoments).get(name).clone();
    }

    long iterations() {
        return iterations;
    }
}
