package org.sightline.onnx;

import org.sightline.conformance.BackendConformanceTest;
import org.sightline.spi.Backend;

/** The conformance kit on ONNX Runtime; its training cases are skipped, the backend cannot train. */
class OnnxConformanceTest extends BackendConformanceTest {

    @Override
    protected Backend backend() {
        return new OnnxBackend();
    }
}
