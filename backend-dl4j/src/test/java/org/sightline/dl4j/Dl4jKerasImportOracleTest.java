package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.conformance.KerasFixtures;
import org.sightline.data.ImageDataset;
import org.sightline.data.PixelScaling;
import org.sightline.io.ImportedModel;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.spi.Device;
import org.sightline.train.Model;

/**
 * DL4J's own Keras importer ({@code deeplearning4j-modelimport}) as an independent oracle: for each real
 * Keras 2 HDF5 fixture (it refuses Keras 3 files), full model or save_weights with its config, its network
 * and Sightline's import of the same file, run on Sightline's DL4J backend, give the same probabilities on
 * the same test images; and so does the imported model handed to DL4J by {@link Dl4jModels}.
 */
class Dl4jKerasImportOracleTest {
    private static final int IMAGES = 100;
    private static final double TOLERANCE = 1e-4;

    @Test
    void dl4jsKerasImporterAgreesOnEveryKeras2Hdf5FixtureItReads() throws Exception {
        List<String> checked = new ArrayList<>();
        for (JsonNode fixture : KerasFixtures.manifest()) {
            String format = fixture.get("format").asText();
            if (!(format.equals("h5") || format.equals("h5-weights+json"))
                    || fixture.get("keras_version").asText().startsWith("3")) {
                continue;
            }
            Path file = KerasFixtures.modelFile(fixture, fixture.get("file").asText());
            Path config = fixture.hasNonNull("config")
                    ? KerasFixtures.modelFile(fixture, fixture.get("config").asText()) : null;
            ImportedModel imported = KerasFixtures.read(fixture);
            PixelScaling scaling = KerasFixtures.scaling(fixture);
            ImageDataset images = KerasFixtures.images(fixture).take(IMAGES);
            float[] input = KerasFixtures.input(images, scaling);
            float[] oracle = oracle(file, config, imported, input, images.size());
            float[] sightline;
            try (Model model = Model.fromSaved(imported.toSavedModel(List.of(), scaling), new Dl4jBackend(),
                    Device.cpu())) {
                sightline = model.predictProbabilities(input, images.size());
            }
            // Handed to DL4J as its own ComputationGraph, the imported model still answers the same.
            float[] handedOver;
            try (INDArray batch = Nd4j.create(input, new long[] {images.size(), images.imageShape().dim(0),
                    images.imageShape().dim(1), images.imageShape().dim(2)});
                    INDArray output = Dl4jModels.toComputationGraph(imported.toSavedModel(List.of(), scaling))
                            .outputSingle(batch)) {
                handedOver = output.dup().data().asFloat();
            }
            assertEquals(oracle.length, sightline.length);
            double graphWorst = 0;
            for (int i = 0; i < sightline.length; i++) {
                graphWorst = Math.max(graphWorst, Math.abs(handedOver[i] - sightline[i]));
            }
            assertTrue(graphWorst <= 1e-5, file.getFileName() + ": Dl4jModels' graph differs by " + graphWorst);
            double worst = 0;
            for (int i = 0; i < oracle.length; i++) {
                worst = Math.max(worst, Math.abs(oracle[i] - sightline[i]));
            }
            assertTrue(worst <= TOLERANCE, file.getFileName() + ": Sightline and DL4J's importer differ by " + worst);
            checked.add(String.format(Locale.ROOT, "%s: importer %.2e, graph %.2e", file.getFileName(), worst,
                    graphWorst));
        }
        assertTrue(checked.size() >= 2, "DL4J's importer checked only " + checked);
        System.out.println("Max |p diff| from Sightline on DL4J: " + checked);
    }

    /**
     * What DL4J's importer makes of the file (with its to_json() {@code config} for a weights-only file): a
     * MultiLayerNetwork for a Sequential, else a graph.
     */
    private static float[] oracle(Path file, Path config, ImportedModel imported, float[] input, int count)
            throws Exception {
        Shape shape = imported.model().inputShape();
        try (INDArray images = Nd4j.create(input, new long[] {count, shape.dim(0), shape.dim(1), shape.dim(2)})) {
            INDArray output;
            if (imported.model() instanceof Sequential) {
                MultiLayerNetwork network = config == null
                        ? KerasModelImport.importKerasSequentialModelAndWeights(file.toString(), false)
                        : KerasModelImport.importKerasSequentialModelAndWeights(config.toString(), file.toString(), false);
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
}
