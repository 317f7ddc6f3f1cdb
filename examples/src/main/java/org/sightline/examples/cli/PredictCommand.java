package org.sightline.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sightline.data.DatasetFormatException;
import org.sightline.inference.ImageSizeException;
import org.sightline.inference.Predictor;
import org.sightline.train.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Classifies image files with a model file. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Print the top classes of each image (PNG, JPEG, BMP or GIF) with their probabilities. An image "
                + "that cannot be classified is reported on standard error and the others go on; the exit code "
                + "is then 1.",
                "A Keras file (.h5, .keras, model.json) is run as it is: its classes are numbered 0, 1, ... unless "
                        + "--classes names them, its inputs are pixels / 255 unless --scale, --mean and --std say "
                        + "otherwise; the first line says which."})
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    InferenceModelOptions modelOptions;

    @Option(names = "--top", defaultValue = "3",
            description = "How many classes to show, 1 to the model's number of classes. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--resize", description = "Resize images whose size differs from the model's input.")
    boolean resize;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        modelOptions.validate();
        int failed = 0;
        try (InferenceModelOptions.Opened model = modelOptions.open(backendOptions, Optional.empty())) {
            model.assumptions().ifPresent(out::println);
            int classes = model.classifier().classNames().size();
            if (top > classes) {
                throw new IllegalArgumentException("--top must be between 1 and " + classes + " (the classes of "
                        + modelOptions.modelFile + "), got " + top);
            }
            Predictor predictor = model.classifier().predictor(
                    Predictor.Options.defaults().withTopK(top).withResize(resize));
            for (Path image : images) {
                Prediction prediction;
                try {
                    prediction = predictor.predict(image);
                } catch (ImageSizeException e) {
                    failed++;
                    err.println(image + ": the image is " + e.height() + "x" + e.width() + " but the model takes "
                            + e.modelInput().height() + "x" + e.modelInput().width() + " images; pass --resize to "
                            + "resize it");
                    continue;
                } catch (DatasetFormatException e) {
                    failed++;
                    err.println(e.getMessage()); // it begins with the file's name
                    continue;
                } catch (IOException | IllegalArgumentException e) {
                    failed++;
                    err.println(image + ": " + e.getMessage());
                    continue;
                }
                out.println(image);
                for (Prediction.ClassScore score : prediction.top()) {
                    out.printf(Locale.ROOT, "  %-14s %.4f%n", score.className(), score.probability());
                }
            }
        }
        if (failed > 0) {
            err.printf(Locale.ROOT, "sightline predict: %d of %d images could not be classified%n", failed,
                    images.size());
            return 1;
        }
        return 0;
    }
}
