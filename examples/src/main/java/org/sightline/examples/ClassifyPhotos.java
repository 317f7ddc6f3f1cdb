package org.sightline.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.sightline.inference.Predictor;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.train.Model;
import org.sightline.train.Prediction;

/**
 * Classify your photos with a trained model: a Sightline model file on any backend, or an ONNX file
 * (Sightline's export or another tool's classifier). The predictor decodes each photo, resizes it to
 * the model's input and scales it as the model records; one predictor may serve many threads.
 *
 * <pre>
 * java -cp ... org.sightline.examples.ClassifyPhotos model.safetensors cat.jpg dog.png
 * </pre>
 */
public final class ClassifyPhotos {
    private ClassifyPhotos() {
    }

    public static void main(String[] args) throws IOException {
        Path modelFile = Path.of(args[0]);
        List<Path> photos = Arrays.stream(args).skip(1).map(Path::of).toList();
        Predictor.Options options = Predictor.Options.defaults().withTopK(3).withResize(true);
        if (modelFile.toString().endsWith(".onnx")) {
            // Another tool's model trained on normalised pixels would add
            // .withScaling(PixelScaling.of(1 / 255.0, mean, std)) and .withClassNames(names) here.
            try (OnnxClassifier onnx = OnnxClassifier.open(modelFile, OnnxClassifier.Options.defaults())) {
                print(onnx.predictor(options), photos);
            }
        } else {
            try (Model model = Model.load(modelFile, Backends.defaultBackend(Capability.INFER), Device.cpu())) {
                print(model.predictor(options), photos);
            }
        }
    }

    private static void print(Predictor predictor, List<Path> photos) throws IOException {
        List<Prediction> predictions = predictor.predict(photos);
        for (int i = 0; i < photos.size(); i++) {
            System.out.println(photos.get(i));
            for (Prediction.ClassScore score : predictions.get(i).top()) {
                System.out.printf(Locale.ROOT, "  %-14s %.4f%n", score.className(), score.probability());
            }
        }
    }
}
