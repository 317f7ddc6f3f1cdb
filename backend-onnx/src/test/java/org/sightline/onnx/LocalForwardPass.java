package org.sightline.onnx;

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
import org.sightline.model.Padding;
import org.sightline.model.PoolingWindow;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.Weights;

/**
 * A plain-loop NHWC forward pass in double precision, written from Keras's definitions and
 * independent of the exporter: the oracle the ONNX graph is checked against until the conformance
 * kit's reference forward pass lands in main.
 */
final class LocalForwardPass {
    private LocalForwardPass() {
    }

    /** Outputs {@code [count, classes]} for {@code count} NHWC images. */
    static float[] predict(Sequential model, Weights weights, float[] images, int count) {
        int inSize = model.inputShape().size();
        int classes = model.numClasses();
        float[] out = new float[count * classes];
        for (int n = 0; n < count; n++) {
            double[] x = new double[inSize];
            for (int i = 0; i < inSize; i++) {
                x[i] = images[n * inSize + i];
            }
            for (int l = 0; l < model.layers().size(); l++) {
                x = layer(model.layers().get(l), model.inputShape(l), x, weights);
            }
            for (int c = 0; c < classes; c++) {
                out[n * classes + c] = (float) x[c];
            }
        }
        return out;
    }

    private static double[] layer(Layer layer, Shape in, double[] x, Weights w) {
        if (layer instanceof Conv2D conv) {
            Shape out = conv.outputShape(in);
            double[] y = window(in, out, conv.kernelHeight(), conv.kernelWidth(), conv.strideHeight(),
                    conv.strideWidth(), conv.padding(), x, w.get(conv.name() + "/kernel").toArray(),
                    conv.useBias() ? w.get(conv.name() + "/bias").toArray() : null);
            return activate(conv.activation(), y, out.channels());
        }
        if (layer instanceof MaxPooling2D pool) {
            return pool(in, pool.outputShape(in), pool.window(), x, true);
        }
        if (layer instanceof AveragePooling2D pool) {
            return pool(in, pool.outputShape(in), pool.window(), x, false);
        }
        if (layer instanceof BatchNormalization bn) {
            float[] gamma = w.get(bn.name() + "/gamma").toArray();
            float[] beta = w.get(bn.name() + "/beta").toArray();
            float[] mean = w.get(bn.name() + "/moving_mean").toArray();
            float[] var = w.get(bn.name() + "/moving_variance").toArray();
            int c = gamma.length;
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                int ch = i % c;
                y[i] = (x[i] - mean[ch]) / Math.sqrt(var[ch] + bn.epsilon()) * gamma[ch] + beta[ch];
            }
            return y;
        }
        if (layer instanceof Activation a) {
            return activate(a.function(), x, in.dim(in.rank() - 1));
        }
        if (layer instanceof Dropout || layer instanceof Flatten) {
            // NHWC data flattened row-major is already Keras's (h, w, c) order.
            return x;
        }
        if (layer instanceof Dense dense) {
            float[] k = w.get(dense.name() + "/kernel").toArray();
            int units = dense.units();
            double[] y = new double[units];
            for (int o = 0; o < units; o++) {
                double s = dense.useBias() ? w.get(dense.name() + "/bias").get(o) : 0;
                for (int i = 0; i < x.length; i++) {
                    s += x[i] * k[i * units + o];
                }
                y[o] = s;
            }
            return activate(dense.activation(), y, units);
        }
        throw new IllegalArgumentException("No oracle for " + layer);
    }

    /** Convolution of NHWC {@code x} with kernel {@code [kh, kw, in, out]}, TensorFlow's padding. */
    private static double[] window(Shape in, Shape out, int kh, int kw, int sh, int sw, Padding padding, double[] x,
            float[] kernel, float[] bias) {
        int padTop = padding == Padding.SAME ? Math.max((out.height() - 1) * sh + kh - in.height(), 0) / 2 : 0;
        int padLeft = padding == Padding.SAME ? Math.max((out.width() - 1) * sw + kw - in.width(), 0) / 2 : 0;
        int cin = in.channels();
        int cout = out.channels();
        double[] y = new double[out.size()];
        for (int oy = 0; oy < out.height(); oy++) {
            for (int ox = 0; ox < out.width(); ox++) {
                for (int o = 0; o < cout; o++) {
                    double s = bias == null ? 0 : bias[o];
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * sh + ky - padTop;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * sw + kx - padLeft;
                            if (iy < 0 || iy >= in.height() || ix < 0 || ix >= in.width()) {
                                continue;
                            }
                            for (int i = 0; i < cin; i++) {
                                s += x[(iy * in.width() + ix) * cin + i] * kernel[((ky * kw + kx) * cin + i) * cout + o];
                            }
                        }
                    }
                    y[(oy * out.width() + ox) * cout + o] = s;
                }
            }
        }
        return y;
    }

    /** Max or average over in-bounds values only, as TensorFlow's 'same' pooling. */
    private static double[] pool(Shape in, Shape out, PoolingWindow win, double[] x, boolean max) {
        int padTop = win.padding() == Padding.SAME
                ? Math.max((out.height() - 1) * win.strideHeight() + win.poolHeight() - in.height(), 0) / 2 : 0;
        int padLeft = win.padding() == Padding.SAME
                ? Math.max((out.width() - 1) * win.strideWidth() + win.poolWidth() - in.width(), 0) / 2 : 0;
        int c = in.channels();
        double[] y = new double[out.size()];
        for (int oy = 0; oy < out.height(); oy++) {
            for (int ox = 0; ox < out.width(); ox++) {
                for (int ch = 0; ch < c; ch++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int n = 0;
                    for (int py = 0; py < win.poolHeight(); py++) {
                        for (int px = 0; px < win.poolWidth(); px++) {
                            int iy = oy * win.strideHeight() + py - padTop;
                            int ix = ox * win.strideWidth() + px - padLeft;
                            if (iy < 0 || iy >= in.height() || ix < 0 || ix >= in.width()) {
                                continue;
                            }
                            double v = x[(iy * in.width() + ix) * c + ch];
                            acc = max ? Math.max(acc, v) : acc + v;
                            n++;
                        }
                    }
                    y[(oy * out.width() + ox) * c + ch] = max ? acc : acc / n;
                }
            }
        }
        return y;
    }

    /** Element-wise, or softmax over the last axis of width {@code last}. */
    private static double[] activate(ActivationFunction f, double[] x, int last) {
        double[] y = new double[x.length];
        switch (f) {
            case LINEAR -> System.arraycopy(x, 0, y, 0, x.length);
            case RELU -> {
                for (int i = 0; i < x.length; i++) {
                    y[i] = Math.max(0, x[i]);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < x.length; i++) {
                    y[i] = 1 / (1 + Math.exp(-x[i]));
                }
            }
            case TANH -> {
                for (int i = 0; i < x.length; i++) {
                    y[i] = Math.tanh(x[i]);
                }
            }
            case SOFTMAX -> {
                for (int start = 0; start < x.length; start += last) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int i = start; i < start + last; i++) {
                        m = Math.max(m, x[i]);
                    }
                    double sum = 0;
                    for (int i = start; i < start + last; i++) {
                        y[i] = Math.exp(x[i] - m);
                        sum += y[i];
                    }
                    for (int i = start; i < start + last; i++) {
                        y[i] /= sum;
                    }
                }
            }
        }
        return y;
    }
}
