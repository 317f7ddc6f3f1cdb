package org.sightline.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.sightline.data.Batch;
import org.sightline.data.Batches;
import org.sightline.data.Cifar10;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;
import org.sightline.io.ModelFile;
import org.sightline.model.ReferenceModels;
import org.sightline.onnx.OnnxClassifier;
import org.sightline.onnx.OnnxExporter;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.FitOptions;
import org.sightline.train.Model;
import org.sightline.train.Prediction;
import org.sightline.train.ProgressLogger;

/**
 * Train on one backend, serve with ONNX Runtime: the model file opens unchanged in the ONNX backend,
 * and exports to a standalone {@code .onnx} file that any ONNX runtime can run.
 *
 * <pre>
 * java -cp ... org.sightline.examples.TrainThenInferOnOnnx [CIFAR-10 archive] [training images] [output folder]
 * </pre>
 */
public final class TrainThenInferOnOnnx {
    private TrainThenInferOnOnnx() {
    }

    public static void main(String[] args) throws IOException {
        Path archive = Path.of(args.length > 0 ? args[0] : "../shared/datasets/cifar-10-jpeg75-binary.tar.gz");
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Path out = Path.of(args.length > 2 ? args[2] : "runs/train-then-onnx");

        TrainTestSplit data = Cifar10.load(archive);
        ImageDataset test = data.test().take(1000);
        Path modelFile = out.resolve("model.safetensors");

        // 1. Train a small CNN briefly on TensorFlow and save the portable model file.
        try (Model model = Model.compile(ReferenceModels.smallCnn(Cifar10.IMAGE_SHAPE, 10), Backends.get("tensorflow"),
                CompileOptions.reference(), Device.cpu(), 21)) {
            model.fit(data.train().take(images), FitOptions.builder().epochs(2).batchSize(64).seed(21)
                    .callbacks(new ProgressLogger(System.out)).build());
            model.save(modelFile);
        }

        // 2. The same file on the ONNX backend: evaluate as on any other backend.
        try (Model onnx = Model.load(modelFile, Backends.get("onnx"), Device.cpu())) {
            System.out.printf("ONNX backend, %d test images: accuracy %.4f%n", test.size(),
                    onnx.evaluate(test, 256).accuracy());
        }

        // 3. A standalone ONNX file (input 'input': NHWC floats in [0, 1]; output 'probabilities').
        Path onnxFile = out.resolve("model.onnx");
        OnnxExporter.write(ModelFile.load(modelFile), onnxFile);
        try (OnnxClassifier classifier = OnnxClassifier.open(onnxFile)) {
            Batch first = Batches.inOrder(test, 5).iterator().next(); // pixels scaled to [0, 1]
            List<Prediction> predictions = classifier.classify(first.images(), first.size(), Cifar10.IMAGE_SHAPE, 2);
            for (int i = 0; i < predictions.size(); i++) {
                Prediction.ClassScore best = predictions.get(i).best();
                System.out.printf("image %d, a %s: %s (%.2f)%n", i, test.classNames().get(first.labels()[i]),
                        best.className(), best.probability());
            }
        }
        System.out.println("Wrote " + modelFile + " and " + onnxFile);
    }
}
