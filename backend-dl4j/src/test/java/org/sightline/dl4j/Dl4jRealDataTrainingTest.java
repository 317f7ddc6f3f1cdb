package org.sightline.dl4j;

import org.sightline.conformance.RealDataTrainingTest;
import org.sightline.spi.Backend;

/** The api's one-epoch CIFAR-10 check on DL4J. */
class Dl4jRealDataTrainingTest extends RealDataTrainingTest {

    @Override
    protected Backend backend() {
        return new Dl4jBackend();
    }
}
