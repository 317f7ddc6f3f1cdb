package org.sightline.onnx;

import org.sightline.conformance.LayerConformanceTest;
import org.sightline.spi.Backend;

/** The api's per-layer conformance kit on ONNX Runtime. */
class OnnxLayerConformanceTest extends LayerConformanceTest {

    @Override
    protected Backend backend() {
        return new OnnxBackend();
    }
}
