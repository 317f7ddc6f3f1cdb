package org.sightline.dl4j;

import org.sightline.conformance.LayerConformanceTest;
import org.sightline.spi.Backend;

/** The api's per-layer conformance kit on DL4J. */
class Dl4jLayerConformanceTest extends LayerConformanceTest {

    @Override
    protected Backend backend() {
        return new Dl4jBackend();
    }
}
