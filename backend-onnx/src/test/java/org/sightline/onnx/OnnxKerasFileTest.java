package org.sightline.onnx;

import org.sightline.conformance.KerasFileConformanceTest;
import org.sightline.spi.Backend;

/** The real Keras-written fixtures, read with their weights, on this backend. */
class OnnxKerasFileTest extends KerasFileConformanceTest {
    @Override
    protected Backend backend() {
        return new OnnxBackend();
    }
}
