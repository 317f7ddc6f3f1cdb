package org.sightline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.compile.Adam;
import org.sightline.conformance.ReferenceForwardPass;
import org.sightline.model.Layer;

/** A model file written before layers were written over the operations still loads and predicts the same. */
class ModelFileFormatV1Test {

    @Test
    void aCheckpointOfFormatOneLoadsAndPredictsAsItDidWhenWritten() throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/fixtures/format-v1").toURI());
        SavedModel saved = ModelFile.load(dir.resolve("format-v1-checkpoint.safetensors"));

        assertEquals(List.of("Conv2D", "BatchNormalization", "MaxPooling2D", "Conv2D", "AveragePooling2D", "Dropout",
                "Flatten", "Dense", "BatchNormalization", "Dense"),
                saved.model().layers().stream().map(Layer::kerasClass).toList());
        assertEquals(List.of("cat", "dog", "ship"), saved.classNames());
        TrainingState training = saved.training().orElseThrow();
        assertEquals(7, training.optimizer().iterations());
        assertEquals(1, training.epochsCompleted());
        assertEquals(new Adam(5e-4, 0.9, 0.999, 1e-7), training.compileOptions().optimizer());
        assertEquals(2 * saved.model().weights().stream().filter(w -> w.spec().trainable()).count(),
                training.optimizer().slots().size());

        int count = 4;
        float[] images = new float[count * 8 * 8 * 3];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) (0.5 + 0.5 * Math.sin(i * 0.37));
        }
        float[] probabilities = ReferenceForwardPass.predict(saved.model(), saved.weights(), images, count);
        List<String> expected = Files.readAllLines(dir.resolve("format-v1-checkpoint.expected.txt"));
        assertEquals(expected.size(), probabilities.length);
        for (int i = 0; i < probabilities.length; i++) {
            assertEquals(Float.parseFloat(expected.get(i)), probabilities[i], 1e-6, "probability " + i);
        }
    }
}
