package org.sightline.tensorflow;

import org.sightline.conformance.EngineContractTest;
import org.sightline.spi.Backend;

/** The api's engine contract on TensorFlow. */
class TensorFlowEngineContractTest extends EngineContractTest {

    @Override
    protected Backend backend() {
        return new TensorFlowBackend();
    }
}
