package org.sightline.tensorflow;

import org.sightline.conformance.BackendConformanceTest;
import org.sightline.spi.Backend;

/** The api's conformance kit on this backend. */
class TensorFlowConformanceTest extends BackendConformanceTest {

    @Override
    protected Backend backend() {
        return new TensorFlowBackend();
    }
}
