package org.sightline.dl4j;

import org.sightline.conformance.EngineContractTest;
import org.sightline.spi.Backend;

/** The api's engine contract on DL4J. */
class Dl4jEngineContractTest extends EngineContractTest {

    @Override
    protected Backend backend() {
        return new Dl4jBackend();
    }
}
