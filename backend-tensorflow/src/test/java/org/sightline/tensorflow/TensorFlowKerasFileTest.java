package org.sightline.tensorflow;

import org.sightline.conformance.KerasFileConformanceTest;
import org.sightline.spi.Backend;

/** The real Keras-written fixtures, read with their weights, on this backend. */
class TensorFlowKerasFileTest extends KerasFileConformanceTest {
    @Override
    protected Backend backend() {
        return new TensorFlowBackend();
    }
}
