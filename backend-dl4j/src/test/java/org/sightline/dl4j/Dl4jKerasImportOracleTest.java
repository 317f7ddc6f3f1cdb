package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.conformance.RealDataTrainingTest;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
import org.sightline.io.ImportedModel;
import org.sightline.io.KerasModelFiles;
import org.sightline.spi.Device;
import org.sightline.train.Model;

/**
 * DL4J's own Keras importer ({@code deeplearning4j-modelimport}) as an independent oracle: for each real
 * Keras HDF5 fixture it can read (Keras 1 and 2 files; it refuses Keras 3), its network and Sightline's
 * import of the same file, run on Sightline's DL4J backend, give the same probabilities on the same
 * CIFAR-10 test images.
 */
class Dl4jKerasImportOracleTest {
    private static final int IMAGES = 100;
    private static final double TOLERANCE = 1e-4;
    private static final Path FIXTURES = Path.of(System.getProperty("sightline.projectRoot", ".."))
            .resolve("api/src/test/resources/keras/files").toAbsolutePath().normalize();

    @Test
    void dl4jsKerasImporterAgreesOnEveryCifar10Hdf5FixtureItReads() throws Exception {
        JsonNode manifest = new ObjectMapper().readTree(FIXTURES.resolve("fixtures.json").toFile());
        ImageDataset images = RealDataTrainingTest.cifar10OrSkip().test().take(IMAGES);
        List<String> checked = new ArrayList<>();
        for (JsonNode fixture : manifest) {
            if (!fixture.get("format").asText().equals("h5") || !fixture.get("dataset").asText().equals("cifar10")
                    || fixture.get("keras_version").asText().startsWith("3")) {
                continue;
            }
            Path file = FIXTURES.resolve(fixture.get("file").asText());
            ImportedModel imported = KerasModelFiles.read(file);
            PixelScaling scaling = PixelScaling.of(fixture.get("scale").asDouble());
            float[] input = scaled(images, scaling);
            float[] oracle = oracle(file, fixture.get("model_class").asText(), input, images.size());
            float[] sightline;
            try (Model model = Model.fromSaved(imported.toSavedModel(List.of(), scaling), new Dl4jBackend(),
                    Device.cpu())) {
                sightline = model.predictProbabilities(input, images.size());
            }
            assertEquals(oracle.length, sightline.length);
            double worst = 0;
            for (int i = 0; i < oracle.length; i++) {
                worst = Math.max(worst, Math.abs(oracle[i] - sightline[i]));
            }
            assertTrue(worst <= TOLERANCE, file.getFileName() + ": Sightline and DL4J's importer differ by " + worst);
            checked.add(file.getFileName() + " (" + worst + ")");
        }
        assertTrue(checked.size() >= 2, "DL4J's importer checked only " + checked);
    }

    /** What DL4J's importer makes of the file: a MultiLayerNetwork for a Sequential, else a graph. */
    private static float[] oracle(Path file, String modelClass, float[] input, int count) throws Exception {
        ImportedModel shape = KerasModelFiles.read(file);
        long[] dims = {count, shape.model().inputShape().dim(0), shape.model().inputShape().dim(1),
                shape.model().inputShape().dim(2)};
        try (INDArray images = Nd4j.create(input, dims)) {
            INDArray output;
            if (modelClass.equals("Sequential")) {
                MultiLayerNetwork network = KerasModelImport.importKerasSequentialModelAndWeights(file.toString(), false);
                output = network.output(images);
            } else {
                ComputationGraph graph = KerasModelImport.importKerasModelAndWeights(file.toString(), false);
                output = graph.outputSingle(images);
            }
            try (output) {
                return output.dup().data().asFloat();
            }
        }
    }

    private static float[] scaled(ImageDataset images, PixelScaling scaling) {
        int size = images.imageShape().size();
        float[] input = new float[images.size() * size];
        byte[] pixels = new byte[size];
        for (int i = 0; i < images.size(); i++) {
            images.copyImage(i, pixels, 0);
            System.arraycopy(scaling.apply(pixels, images.imageShape().channels()), 0, input, i * size, size);
        }
        return input;
    }
}
