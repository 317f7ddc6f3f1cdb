package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sightline.spi.EngineException;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** How a real TensorFlow failure reaches a caller of the engine. */
class TensorFlowEngineFailureTest {

    @Test
    void aNativeFailureBecomesAnEngineExceptionNamingTheBackendAndKeepingTheCause() {
        TensorFlowRuntime.start();
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Placeholder<TFloat32> x = Ops.create(graph).placeholder(TFloat32.class);
            // Fetching an unfed placeholder: TensorFlow's runtime itself refuses (InvalidArgument).
            TFInvalidArgumentException e = assertThrows(TFInvalidArgumentException.class, () -> session.runner().fetch(x).run());
            EngineException failure = TensorFlowEngine.failed("predicting 4 images with model 'm'", e);
            assertEquals("tensorflow", failure.backend());
            assertSame(e, failure.getCause());
            assertTrue(failure.getMessage().startsWith("tensorflow failed predicting 4 images with model 'm': "),
                    failure.getMessage());
            assertTrue(failure.getMessage().contains(e.getMessage()), failure.getMessage());
        }
    }
}
