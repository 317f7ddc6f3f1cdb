package org.sightline.dl4j;

import org.sightline.conformance.KerasFileConformanceTest;
import org.sightline.spi.Backend;

/** The real Keras-written fixtures, read with their weights, on this backend. */
class Dl4jKerasFileTest extends KerasFileConformanceTest {
    @Override
    protected Backend backend() {
        return new Dl4jBackend();
    }
}
