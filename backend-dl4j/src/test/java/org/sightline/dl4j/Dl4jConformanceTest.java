package org.sightline.dl4j;

import org.sightline.conformance.BackendConformanceTest;
import org.sightline.spi.Backend;

/** The api's conformance kit on this backend. */
class Dl4jConformanceTest extends BackendConformanceTest {

    @Override
    protected Backend backend() {
        return new Dl4jBackend();
    }
}
