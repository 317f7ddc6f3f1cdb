package org.sightline.tensorflow;

import org.sightline.conformance.LayerConformanceTest;
import org.sightline.spi.Backend;

/** The api's per-layer conformance kit on TensorFlow. */
class TensorFlowLayerConformanceTest extends LayerConformanceTest {

    @Override
    protected Backend backend() {
        return new TensorFlowBackend();
    }
}
