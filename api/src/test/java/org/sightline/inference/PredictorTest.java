package org.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.data.PixelScaling;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.DatasetFormatException;
import org.sightline.data.DecodedImage;
import org.sightline.data.ImageDataset;
import org.sightline.io.SavedModel;
import org.sightline.model.ActivationFunction;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.spi.Device;
import org.sightline.train.LinearBackend;
import org.sightline.train.Model;
import org.sightline.train.Prediction;

class PredictorTest {
    static final Shape SHAPE = Shape.image(8, 8, 3);
    static final ImageDataset IMAGES = SyntheticImages.bands(16, SHAPE, 4, 5);

    static final List<String> NAMES = List.of("cat", "dog", "bird", "fish");

    static Model model;

    @TempDir
    static Path dir;

    @BeforeAll
    static void compile() {
        Sequential spec = Sequential.of(SHAPE, Flatten.of(), Dense.of(4).withActivation(ActivationFunction.SOFTMAX));
        model = Model.fromSaved(SavedModel.of(spec, spec.initialWeights(11), NAMES), new LinearBackend(), Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void filesImagesAndListsGetTheModelsOwnPredictionsWithClassNames() throws IOException {
        List<Prediction> expected = model.predict(IMAGES, 5, 2);
        Predictor predictor = model.predictor(Predictor.Options.defaults().withTopK(2));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < IMAGES.size(); i++) {
            files.add(png(IMAGES, i, "image" + i + ".png"));
        }
        List<Prediction> fromList = predictor.predict(files);
        for (int i = 0; i < IMAGES.size(); i++) {
            Prediction fromFile = predictor.predict(files.get(i));
            Prediction fromImage = predictor.predict(ImageIO.read(files.get(i).toFile()));
            for (Prediction actual : List.of(fromFile, fromImage, fromList.get(i))) {
                assertArrayEquals(expected.get(i).probabilities(), actual.probabilities(), "image " + i);
                assertEquals(expected.get(i).top(), actual.top());
                assertEquals(2, actual.top().size());
                assertEquals(NAMES.get(actual.best().index()), actual.best().className());
            }
        }
    }

    @Test
    void defaultPredictorNamesThreeClasses() throws IOException {
        assertEquals(3, model.predictor().predict(png(IMAGES, 0, "three.png")).top().size());
    }

    @Test
    void anImageOfAnotherSizeIsRefusedNamingBothSizesUnlessResizingIsAsked() throws IOException {
        Path large = dir.resolve("large.png");
        ImageIO.write(new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB), "png", large.toFile());
        ImageSizeException e = assertThrows(ImageSizeException.class, () -> model.predictor().predict(large));
        assertEquals("Image " + large + " is 12x20 but the model takes 8x8 images", e.getMessage());
        assertEquals(12, e.height());
        assertEquals(20, e.width());
        Prediction resized = model.predictor(Predictor.Options.defaults().withResize(true)).predict(large);
        assertEquals(1, resized.probabilities()[0] + resized.probabilities()[1] + resized.probabilities()[2]
                + resized.probabilities()[3], 1e-5);
    }

    @Test
    void aFileThatIsNotAnImageIsNamed() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> model.predictor().predict(text));
        assertTrue(e.getMessage().contains(text.toString()), e.getMessage());
    }

    @Test
    void topKMustBeBetweenOneAndTheNumberOfClasses() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> Predictor.Options.defaults().withTopK(0));
        assertEquals("Predictor.Options.topK must be >= 1, got 0", zero.getMessage());
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> model.predictor(Predictor.Options.defaults().withTopK(5)));
        assertEquals("Predictor.Options.topK must be in 1..4 (the model's classes), got 5", many.getMessage());
    }

    @Test
    void oneSharedPredictorGivesEveryThreadTheSingleThreadedResults() throws Exception {
        Predictor predictor = model.predictor(Predictor.Options.defaults().withTopK(4));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            files.add(png(IMAGES, i, "thread" + i + ".png"));
        }
        List<Prediction> expected = predictor.predict(files);
        List<DecodedImage> decoded = new ArrayList<>();
        for (Path file : files) {
            decoded.add(DecodedImage.read(file, predictor.colorMode()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int thread = t;
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 50; round++) {
                        int i = (thread + round) % files.size();
                        List<Path> batch = files.subList(0, 1 + round % files.size());
                        assertEquals(expected.subList(0, batch.size()).stream().map(Prediction::top).toList(),
                                predictor.predict(batch).stream().map(Prediction::top).toList());
                        assertArrayEquals(expected.get(i).probabilities(), predictor.predict(files.get(i))
                                .probabilities());
                        assertEquals(expected.subList(0, batch.size()).stream().map(Prediction::top).toList(),
                                predictor.predictDecoded(decoded.subList(0, batch.size())).stream()
                                        .map(Prediction::top).toList());
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void pixelsAreScaledWithTheModelsMeanAndStandardDeviation() throws IOException {
        PixelScaling imagenet = PixelScaling.of(1 / 255.0, new float[] {0.5f, 0.25f, 0f}, new float[] {0.5f, 0.25f, 2f});
        Recording recording = new Recording(imagenet);
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xFF8000);
        recording.predictor(Predictor.Options.defaults().withTopK(1)).predict(image);
        assertArrayEquals(new float[] {(1f - 0.5f) / 0.5f, (128 / 255f - 0.25f) / 0.25f, 0f},
                new float[] {recording.seen[0], recording.seen[1], recording.seen[2]}, 1e-6f);
        assertEquals((0f - 0.5f) / 0.5f, recording.seen[3], 1e-6f);
    }

    @Test
    void evaluationOverAnyClassifierScoresEachImageAsTheModelDoes() {
        List<ScoredImage> scored = new ArrayList<>();
        ImageClassifier sameModel = new Recording(PixelScaling.SIGHTLINE) {
            @Override
            public float[] predictProbabilities(float[] images, int count) {
                return model.predictProbabilities(images, count);
            }
        };
        var expected = model.evaluate(IMAGES, 5);
        var actual = sameModel.evaluate(IMAGES, 3, scored::add);
        assertEquals(expected.loss(), actual.loss(), 1e-12);
        assertEquals(expected.accuracy(), actual.accuracy());
        assertArrayEquals(expected.confusion(), actual.confusion());
        assertEquals(IMAGES.size(), scored.size());
        List<Prediction> predictions = model.predict(IMAGES, 16, 1);
        for (int i = 0; i < IMAGES.size(); i++) {
            assertEquals(i, scored.get(i).index());
            assertEquals(IMAGES.label(i), scored.get(i).label());
            assertEquals(predictions.get(i).best().index(), scored.get(i).predicted());
            assertEquals(predictions.get(i).best().probability(), scored.get(i).probability());
        }
    }

    @Test
    void decodedImagesInOneBatchGetTheFilesPredictionsAndAWrongSizeIsRefusedUnlessResizing() throws IOException {
        Predictor predictor = model.predictor(Predictor.Options.defaults().withTopK(2));
        List<Path> files = new ArrayList<>();
        List<DecodedImage> decoded = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            files.add(png(IMAGES, i, "decoded" + i + ".png"));
            decoded.add(DecodedImage.read(Files.readAllBytes(files.get(i)), "row " + i, predictor.colorMode()));
        }
        List<Prediction> expected = predictor.predict(files);
        List<Prediction> actual = predictor.predictDecoded(decoded);
        for (int i = 0; i < files.size(); i++) {
            assertArrayEquals(expected.get(i).probabilities(), actual.get(i).probabilities(), "image " + i);
            assertEquals(expected.get(i).top(), actual.get(i).top());
        }
        assertEquals(List.of(), predictor.predictDecoded(List.of()));
        DecodedImage large = new DecodedImage(12, 20, 3, new byte[12 * 20 * 3]);
        ImageSizeException e = assertThrows(ImageSizeException.class, () -> predictor.fit(large));
        assertEquals(12, e.height());
        assertThrows(ImageSizeException.class, () -> predictor.predictDecoded(List.of(decoded.get(0), large)));
        Predictor resizing = model.predictor(Predictor.Options.defaults().withResize(true));
        assertEquals(SHAPE, resizing.fit(large).shape());
        assertEquals(2, resizing.predictDecoded(List.of(large, decoded.get(0))).size());
    }

    @Test
    void evaluationSumsMergedFromPartsEqualTheWholeEvaluation() {
        var whole = model.evaluate(IMAGES, 16);
        float[] probabilities = model.predictProbabilities(PixelScaling.SIGHTLINE.apply(allPixels(), 3),
                IMAGES.size());
        EvaluationSums first = new EvaluationSums(NAMES.size());
        EvaluationSums second = new EvaluationSums(NAMES.size());
        for (int i = 0; i < IMAGES.size(); i++) {
            (i < 5 ? first : second).add(probabilities, i, IMAGES.label(i));
        }
        var merged = first.merge(second).toEvaluation(NAMES);
        assertEquals(IMAGES.size(), first.count());
        assertEquals(whole.loss(), merged.loss(), 1e-12);
        assertEquals(whole.accuracy(), merged.accuracy());
        assertArrayEquals(whole.confusion(), merged.confusion());
        IllegalArgumentException wrongLabel = assertThrows(IllegalArgumentException.class,
                () -> second.add(probabilities, 0, 4));
        assertEquals("label must be in 0..3, got 4", wrongLabel.getMessage());
        assertThrows(IllegalArgumentException.class, () -> first.merge(new EvaluationSums(3)));
    }

    private static byte[] allPixels() {
        byte[] pixels = new byte[IMAGES.size() * SHAPE.size()];
        for (int i = 0; i < IMAGES.size(); i++) {
            IMAGES.copyImage(i, pixels, i * SHAPE.size());
        }
        return pixels;
    }

    /** A classifier that records the values it is given and answers uniform probabilities. */
    private static class Recording implements ImageClassifier {
        private final PixelScaling scaling;
        float[] seen;

        Recording(PixelScaling scaling) {
            this.scaling = scaling;
        }

        @Override
        public Shape inputShape() {
            return SHAPE;
        }

        @Override
        public List<String> classNames() {
            return NAMES;
        }

        @Override
        public PixelScaling inputScaling() {
            return scaling;
        }

        @Override
        public float[] predictProbabilities(float[] images, int count) {
            seen = images.clone();
            float[] uniform = new float[count * 4];
            java.util.Arrays.fill(uniform, 0.25f);
            return uniform;
        }
    }

    private static Path png(ImageDataset images, int index, String name) throws IOException {
        BufferedImage image = new BufferedImage(SHAPE.width(), SHAPE.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SHAPE.height(); y++) {
            for (int x = 0; x < SHAPE.width(); x++) {
                int offset = (y * SHAPE.width() + x) * 3;
                image.setRGB(x, y, images.pixel(index, offset) << 16 | images.pixel(index, offset + 1) << 8
                        | images.pixel(index, offset + 2));
            }
        }
        Path file = dir.resolve(name);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }
}
