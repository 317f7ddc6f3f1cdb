package org.sightline.tensorflow;

import org.sightline.model.Padding;

/**
 * Naive NHWC computations written from the layer definitions, to check the graph's inference path
 * on tiny inputs. Padding 'same' as TensorFlow: total padding max((out - 1) * stride + window - in, 0),
 * the smaller half before.
 */
final class HandComputations {
    private HandComputations() {
    }

    static int outputLength(int in, int window, int stride, Padding padding) {
        return padding == Padding.SAME ? (in + stride - 1) / stride : (in - window) / stride + 1;
    }

    static int padBefore(int in, int window, int stride, Padding padding) {
        if (padding == Padding.VALID) {
            return 0;
        }
        int out = outputLength(in, window, stride, padding);
        return Math.max((out - 1) * stride + window - in, 0) / 2;
    }

    /** x [n,h,w,c], kernel [kh,kw,c,f], bias [f] or null. */
    static float[] conv2d(float[] x, int n, int h, int w, int c, float[] kernel, int kh, int kw, int f, float[] bias,
            int sh, int sw, Padding padding) {
        int oh = outputLength(h, kh, sh, padding);
        int ow = outputLength(w, kw, sw, padding);
        int ph = padBefore(h, kh, sh, padding);
        int pw = padBefore(w, kw, sw, padding);
        float[] out = new float[n * oh * ow * f];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int o = 0; o < f; o++) {
                        double sum = bias == null ? 0 : bias[o];
                        for (int di = 0; di < kh; di++) {
                            for (int dj = 0; dj < kw; dj++) {
                                int y = i * sh + di - ph;
                                int z = j * sw + dj - pw;
                                if (y < 0 || y >= h || z < 0 || z >= w) {
                                    continue;
                                }
                                for (int k = 0; k < c; k++) {
                                    sum += x[((b * h + y) * w + z) * c + k] * kernel[((di * kw + dj) * c + k) * f + o];
                                }
                            }
                        }
                        out[((b * oh + i) * ow + j) * f + o] = (float) sum;
                    }
                }
            }
        }
        return out;
    }

    /** Max or mean of each window over the values inside the image (padding never counts). */
    static float[] pool(float[] x, int n, int h, int w, int c, int ph, int pw, int sh, int sw, Padding padding,
            boolean max) {
        int oh = outputLength(h, ph, sh, padding);
        int ow = outputLength(w, pw, sw, padding);
        int top = padBefore(h, ph, sh, padding);
        int left = padBefore(w, pw, sw, padding);
        float[] out = new float[n * oh * ow * c];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int k = 0; k < c; k++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int di = 0; di < ph; di++) {
                            for (int dj = 0; dj < pw; dj++) {
                                int y = i * sh + di - top;
                                int z = j * sw + dj - left;
                                if (y < 0 || y >= h || z < 0 || z >= w) {
                                    continue;
                                }
                                float v = x[((b * h + y) * w + z) * c + k];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        out[((b * oh + i) * ow + j) * c + k] = (float) (max ? acc : acc / count);
                    }
                }
            }
        }
        return out;
    }

    /** x [n,in] times kernel [in,units] plus bias. */
    static float[] dense(float[] x, int n, int in, float[] kernel, int units, float[] bias) {
        float[] out = new float[n * units];
        for (int b = 0; b < n; b++) {
            for (int u = 0; u < units; u++) {
                double sum = bias == null ? 0 : bias[u];
                for (int i = 0; i < in; i++) {
                    sum += x[b * in + i] * kernel[i * units + u];
                }
                out[b * units + u] = (float) sum;
            }
        }
        return out;
    }

    /** Batch-norm at inference over the last axis of {@code channels}. */
    static float[] batchNorm(float[] x, int channels, float[] gamma, float[] beta, float[] mean, float[] variance,
            double epsilon) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int k = i % channels;
            out[i] = (float) ((x[i] - mean[k]) / Math.sqrt(variance[k] + epsilon) * gamma[k] + beta[k]);
        }
        return out;
    }

    static float[] softmax(float[] x, int rows, int columns) {
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < columns; j++) {
                max = Math.max(max, x[r * columns + j]);
            }
            double sum = 0;
            for (int j = 0; j < columns; j++) {
                sum += Math.exp(x[r * columns + j] - max);
            }
            for (int j = 0; j < columns; j++) {
                out[r * columns + j] = (float) (Math.exp(x[r * columns + j] - max) / sum);
            }
        }
        return out;
    }

    static float[] map(float[] x, java.util.function.DoubleUnaryOperator f) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) f.applyAsDouble(x[i]);
        }
        return out;
    }

    static float[] random(java.util.SplittableRandom random, int size) {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return out;
    }
}
