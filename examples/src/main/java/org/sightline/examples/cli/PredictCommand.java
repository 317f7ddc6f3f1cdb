package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.sightline.data.ColorMode;
import org.sightline.data.DecodedImage;
import org.sightline.data.ImageDataset;
import org.sightline.model.Shape;
import org.sightline.spi.Capability;
import org.sightline.train.Model;
import org.sightline.train.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Classifies image files with a model file. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Print the top classes of each image (PNG or JPEG) with their probabilities.")
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model file (.safetensors).")
    Path modelFile;

    @Option(names = "--top", defaultValue = "3", description = "How many classes to show. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--resize", description = "Resize images whose size differs from the model's input.")
    boolean resize;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Model model = Model.load(modelFile, backendOptions.backend(Capability.INFER), backendOptions.device())) {
            ImageDataset batch = decode(model.spec().inputShape(), model.classNames());
            List<Prediction> predictions = model.predict(batch, 64, top);
            for (int i = 0; i < images.size(); i++) {
                out.println(images.get(i));
                for (Prediction.ClassScore score : predictions.get(i).top()) {
                    out.printf(Locale.ROOT, "  %-14s %.4f%n", score.className(), score.probability());
                }
            }
        }
        return 0;
    }

    private ImageDataset decode(Shape input, List<String> classNames) throws IOException {
        ColorMode mode = input.channels() == 1 ? ColorMode.GRAYSCALE : ColorMode.RGB;
        byte[] pixels = new byte[images.size() * input.size()];
        for (int i = 0; i < images.size(); i++) {
            Path file = images.get(i);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("Image " + file + " does not exist");
            }
            DecodedImage image = DecodedImage.read(file, mode);
            if (image.height() != input.height() || image.width() != input.width()) {
                if (!resize) {
                    throw new IllegalArgumentException("Image " + file + " is " + image.height() + "x" + image.width()
                            + " but the model takes " + input.height() + "x" + input.width()
                            + " images; pass --resize to resize it");
                }
                image = image.resize(input.height(), input.width());
            }
            System.arraycopy(image.pixels(), 0, pixels, i * input.size(), input.size());
        }
        return new ImageDataset(input, pixels, new int[images.size()], classNames);
    }
}
