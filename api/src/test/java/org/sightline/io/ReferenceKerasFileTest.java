package org.sightline.io;

import org.sightline.conformance.KerasFileConformanceTest;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.inference.Probabilities;
import org.sightline.spi.Backend;

/**
 * The Keras fixtures through Sightline's pure-Java reference forward pass: what every backend's run of
 * {@link KerasFileConformanceTest} is held to, checked here against the independent numpy reference.
 */
class ReferenceKerasFileTest extends KerasFileConformanceTest {
    @Override
    protected Backend backend() {
        throw new UnsupportedOperationException("the reference forward pass runs without a backend");
    }

    @Override
    protected float[] probabilities(SavedModel saved, float[] images, int count) {
        float[] outputs = ReferenceForwardPass.predict(saved.model(), saved.weights(), images, count);
        if (saved.model().outputsLogits()) {
            Probabilities.softmaxRows(outputs, 0, count, saved.model().numClasses());
        }
        return outputs;
    }
}
