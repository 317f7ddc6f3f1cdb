package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.io.KerasJson;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ActivationFunction;
import org.sightline.model.Add;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.Functional;
import org.sightline.model.GlobalAveragePooling2D;
import org.sightline.model.Padding;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.model.SymbolicTensor;

/** {@code train}'s failures: a failed run loses nothing, and bad arguments are named before any work. */
class TrainCommandTest {

    /** Two classes of 8×8 images, 12 each: the smallest data the small CNN trains on in a second. */
    static Path imageFolder(Path dir) throws Exception {
        return imageFolder(dir.resolve("images"), "dark", "light");
    }

    /** Two classes, the first of darker images than the second, named {@code labels}. */
    static Path imageFolder(Path root, String... labels) throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        for (String label : labels) {
            Path folder = Files.createDirectories(root.resolve(label));
            for (int i = 0; i < 12; i++) {
                BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        int grey = (label.equals(labels[0]) ? 0 : 128) + random.nextInt(128);
                        image.setRGB(x, y, grey * 0x010101);
                    }
                }
                ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    /** {@code train} of the small CNN on {@code images} with TensorFlow, plus {@code extra} arguments. */
    static String[] train(Path images, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--backend", "tensorflow", "--dataset",
                "folder:" + images, "--architecture", "small", "--batch-size", "4", "--no-report",
                "--out", out.toString()));
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void aNanLossLeavesTheModelAndHistoryAsTheyWereAndExitsNonZero(@TempDir Path dir) throws Exception {
        Path images = imageFolder(dir);
        Path out = dir.resolve("run/model.safetensors");
        Result good = SightlineCliTest.run(train(images, out, "--epochs", "1"));
        assertEquals(0, good.code(), good.out() + good.err());
        Path history = dir.resolve("run/model.history.csv");
        Path checkpoint = dir.resolve("run/model.checkpoint.safetensors");
        byte[] model = Files.readAllBytes(out);
        byte[] rows = Files.readAllBytes(history);
        byte[] lastGood = Files.readAllBytes(checkpoint);

        Result diverged = SightlineCliTest.run(train(images, out, "--epochs", "3", "--learning-rate", "1e6"));
        assertEquals(1, diverged.code(), diverged.out() + diverged.err());
        assertTrue(diverged.err().startsWith("sightline train: training stopped: loss became "), diverged.err());
        assertTrue(diverged.err().contains("; " + out + " was not written"), diverged.err());
        assertArrayEquals(model, Files.readAllBytes(out), "the good model file is untouched");
        assertArrayEquals(rows, Files.readAllBytes(history), "the good run's history is untouched");
        if (!diverged.err().contains("the last good checkpoint is " + checkpoint)) {
            assertArrayEquals(lastGood, Files.readAllBytes(checkpoint), "failed in its first epoch: the old "
                    + "checkpoint is kept");
        }
        assertFalse(diverged.out().contains("Finished"), diverged.out());
    }

    @Test
    void theStopMessageNamesTheLastGoodCheckpointOnlyWhenThereIsOne() {
        Path out = Path.of("/runs/model.safetensors");
        Path checkpoint = Path.of("/runs/model.checkpoint.safetensors");
        assertEquals("training stopped: loss became NaN at step 3 of epoch 2; /runs/model.safetensors was not "
                        + "written, the last good checkpoint is /runs/model.checkpoint.safetensors (epoch 1)",
                TrainCommand.stopped("loss became NaN at step 3 of epoch 2", out, checkpoint, 1));
        assertEquals("training stopped: loss became NaN at step 3 of epoch 1; /runs/model.safetensors was not "
                + "written", TrainCommand.stopped("loss became NaN at step 3 of epoch 1", out, checkpoint, 0));
    }

    @Test
    void aCheckpointThatCannotBeWrittenStopsTrainingWithTheCause(@TempDir Path dir) throws Exception {
        Path images = imageFolder(dir);
        Path out = dir.resolve("model.safetensors");
        Path checkpoint = Files.createDirectory(dir.resolve("model.checkpoint.safetensors"));
        Result result = SightlineCliTest.run(train(images, out, "--epochs", "1"));
        assertEquals(1, result.code(), result.out() + result.err());
        assertTrue(result.err().startsWith("sightline train: training stopped: Cannot write checkpoint " + checkpoint
                + ": Is a directory; " + out + " was not written"), result.err());
        assertFalse(Files.exists(out));
    }

    /** A residual Keras functional config for 8 x 8 RGB images and {@code classes} classes. */
    private static Path residualConfig(Path dir, int classes) throws Exception {
        SymbolicTensor input = Functional.input(Shape.image(8, 8, 3));
        SymbolicTensor x = Conv2D.of(4, 3).withPadding(Padding.SAME).withActivation(ActivationFunction.RELU)
                .apply(input);
        SymbolicTensor sum = Add.of(x, Conv2D.of(4, 3).withPadding(Padding.SAME).apply(x));
        SymbolicTensor output = Dense.of(classes).withActivation(ActivationFunction.SOFTMAX)
                .apply(GlobalAveragePooling2D.of().apply(sum));
        return Files.writeString(dir.resolve("residual-" + classes + ".json"),
                KerasJson.toJson(Functional.of("residual", input, output)));
    }

    @Test
    void trainsTheFunctionalModelOfAKerasConfigAndRefusesOneThatDoesNotFitTheData(@TempDir Path dir)
            throws Exception {
        Path images = imageFolder(dir);
        Path out = dir.resolve("model.safetensors");
        String[] args = {"train", "--backend", "tensorflow", "--dataset", "folder:" + images, "--batch-size", "4",
            "--no-report", "--epochs", "1", "--config", residualConfig(dir, 2).toString(), "--out", out.toString()};
        Result trained = SightlineCliTest.run(args);
        assertEquals(0, trained.code(), trained.out() + trained.err());
        assertTrue(trained.out().contains("add (Add)"), trained.out());
        assertEquals(KerasJson.modelFromJson(residualConfig(dir, 2)), ModelFile.load(out).model());

        Path threeClasses = residualConfig(dir, 3);
        args[11] = threeClasses.toString();
        Result refused = SightlineCliTest.run(args);
        assertEquals(1, refused.code(), refused.out() + refused.err());
        assertEquals("sightline train: --config " + threeClasses + ": model 'residual' outputs (None, 3), but the "
                + "dataset has 2 classes", refused.err().strip());
    }

    @Test
    void resumeRefusesAnotherArchitectureLearningRateOrPrecision(@TempDir Path dir) throws Exception {
        Path images = imageFolder(dir);
        Path out = dir.resolve("model.safetensors");
        Result first = SightlineCliTest.run(train(images, out, "--epochs", "1"));
        assertEquals(0, first.code(), first.out() + first.err());
        byte[] model = Files.readAllBytes(out);
        Path checkpoint = dir.resolve("model.checkpoint.safetensors");

        String[] reference = train(images, out, "--epochs", "2", "--resume");
        reference[6] = "reference";
        Result otherModel = SightlineCliTest.run(reference);
        assertEquals(1, otherModel.code(), otherModel.out() + otherModel.err());
        assertEquals("sightline train: --resume: the checkpoint " + checkpoint + " holds the small CNN for "
                + "(None, 8, 8, 3) images and 2 classes, but --architecture reference asks for the reference CNN "
                + "for (None, 8, 8, 3) images and 2 classes; resume with --architecture small or leave out "
                + "--resume to start anew", otherModel.err().strip());

        Result otherRate = SightlineCliTest.run(train(images, out, "--epochs", "2", "--resume",
                "--learning-rate", "0.01"));
        assertEquals(1, otherRate.code(), otherRate.out() + otherRate.err());
        assertEquals("sightline train: --resume: --learning-rate 0.01 differs from the checkpoint's 0.001 ("
                + checkpoint + "); leave out --learning-rate to resume with 0.001", otherRate.err().strip());
        assertArrayEquals(model, Files.readAllBytes(out));

        Result otherPrecision = SightlineCliTest.run(train(images, out, "--epochs", "2", "--resume",
                "--precision", "mixed_bfloat16"));
        assertEquals(1, otherPrecision.code(), otherPrecision.out() + otherPrecision.err());
        assertEquals("sightline train: --resume: --precision mixed_bfloat16 differs from the checkpoint's float32 ("
                + checkpoint + "); leave out --precision to resume in float32", otherPrecision.err().strip());

        Path renamed = imageFolder(dir.resolve("renamed"), "black", "white");
        Result otherClasses = SightlineCliTest.run(train(renamed, out, "--epochs", "2", "--resume"));
        assertEquals(1, otherClasses.code(), otherClasses.out() + otherClasses.err());
        assertEquals("sightline train: --resume: the checkpoint " + checkpoint + " was trained on the classes "
                + "[dark, light] but folder:" + renamed + " has the classes [black, white]; leave out --resume to "
                + "start anew", otherClasses.err().strip());

        Path plain = dir.resolve("plain.safetensors");
        Path plainCheckpoint = dir.resolve("plain.checkpoint.safetensors");
        Sequential small = ReferenceModels.smallCnn(Shape.image(8, 8, 3), 2);
        ModelFile.save(plainCheckpoint, SavedModel.of(small, small.initialWeights(1), List.of("dark", "light")));
        Result noState = SightlineCliTest.run(train(images, plain, "--epochs", "2", "--resume"));
        assertEquals(1, noState.code(), noState.out() + noState.err());
        assertEquals("sightline train: --resume: " + plainCheckpoint + " is a model file without training state (no "
                + "optimizer state or epoch count); leave out --resume to start anew", noState.err().strip());

        String[] withReport = Arrays.stream(train(images, out, "--epochs", "2", "--resume", "--learning-rate",
                "0.001")).filter(a -> !a.equals("--no-report")).toArray(String[]::new);
        Result sameRate = SightlineCliTest.run(withReport);
        assertEquals(0, sameRate.code(), sameRate.out() + sameRate.err());
        assertTrue(sameRate.out().contains("Resuming from " + checkpoint + " after epoch 1"), sameRate.out());
        assertTrue(Files.readString(dir.resolve("model.training.html"))
                .contains("<tr><th>learning rate</th><td>0.001</td></tr>"));
    }

    @Test
    void resumeFromFineTunesAModelThatOutputsLogitsAndRefusesOtherClasses(@TempDir Path dir) throws Exception {
        Path images = imageFolder(dir);
        Sequential logits = Sequential.of(Shape.image(8, 8, 3), Flatten.of(), Dense.of(2));
        assertTrue(logits.outputsLogits());
        Path start = dir.resolve("logits.safetensors");
        ModelFile.save(start, SavedModel.of(logits, logits.initialWeights(3), List.of("0", "1")));
        Path out = dir.resolve("tuned.safetensors");
        String[] args = {"train", "--backend", "tensorflow", "--dataset", "folder:" + images, "--batch-size", "4",
            "--no-report", "--epochs", "1", "--resume-from", start.toString(), "--out", out.toString(),
            "--learning-rate", "0.0005"};
        // A loss taking probabilities would be refused for a model without a softmax at its end.
        Result tuned = SightlineCliTest.run(args);
        assertEquals(0, tuned.code(), tuned.out() + tuned.err());
        CompileOptions compiled = ModelFile.load(dir.resolve("tuned.checkpoint.safetensors")).training()
                .orElseThrow().compileOptions();
        assertTrue(compiled.loss().fromLogits());
        assertEquals(0.0005, ((Adam) compiled.optimizer()).learningRate());
        assertTrue(tuned.out().startsWith("Fine-tuning " + start + ": preprocessing scale 0.003921569, class names of "
                + "the dataset folder:" + images + " (dark, light)"), tuned.out());
        SavedModel saved = ModelFile.load(out);
        assertEquals(List.of("dark", "light"), saved.classNames());
        assertNotEquals(logits.initialWeights(3), saved.weights());

        ModelFile.save(start, SavedModel.of(logits, logits.initialWeights(3), List.of("cat", "dog")));
        Result otherClasses = SightlineCliTest.run(args);
        assertEquals(1, otherClasses.code(), otherClasses.out() + otherClasses.err());
        assertEquals("sightline train: --resume-from " + start + " was trained on the classes [cat, dog] but the "
                + "dataset folder:" + images + " has the classes [dark, light]; fine-tuning needs the same classes "
                + "in the same order", otherClasses.err().strip());

        Path onnx = Files.write(dir.resolve("model.onnx"), new byte[] {8, 7, 0});
        args[11] = onnx.toString();
        Result notAModel = SightlineCliTest.run(args);
        assertEquals(1, notAModel.code(), notAModel.out() + notAModel.err());
        assertEquals("sightline train: --resume-from " + onnx + " is neither a Keras model file (.h5, .keras, "
                + "TensorFlow.js model.json) nor a Sightline model file (.safetensors)", notAModel.err().strip());
    }

    @Test
    void argumentErrorsNameTheOptionBeforeAnyDataIsRead(@TempDir Path dir) {
        Path out = dir.resolve("model.safetensors");
        String[][] cases = {
                {"--epochs", "0", "--epochs must be > 0, got 0"},
                {"--batch-size", "-2", "--batch-size must be > 0, got -2"},
                {"--limit", "0", "--limit must be > 0, got 0 (leave it out to train on every image)"},
                {"--test-limit", "0", "--test-limit must be > 0, got 0 (leave it out to validate on every test "
                        + "image)"},
                {"--learning-rate", "0", "--learning-rate must be a finite number > 0, got 0.0"},
                {"--learning-rate", "-1e-3", "--learning-rate must be a finite number > 0, got -0.001"},
                {"--learning-rate", "NaN", "--learning-rate must be a finite number > 0, got NaN"},
                {"--learning-rate", "Infinity", "--learning-rate must be a finite number > 0, got Infinity"},
                {"--architecture", "huge", "Unknown --architecture 'huge', expected one of reference, small, resnet20, resnet20-augmented, mobilenet"},
        };
        for (String[] c : cases) {
            Result result = SightlineCliTest.run("train", "--data", "/nonexistent", "--out", out.toString(),
                    c[0], c[1]);
            assertEquals(1, result.code(), c[0]);
            assertEquals("sightline train: " + c[2], result.err().strip());
        }
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
    }

    @Test
    void anOutThatCannotBeAFileIsRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep me");
        Result underFile = SightlineCliTest.run("train", "--data", "/nonexistent", "--out",
                file.resolve("model.safetensors").toString());
        assertEquals(1, underFile.code());
        assertEquals("sightline train: --out " + file.resolve("model.safetensors") + ": cannot create its folder "
                + file + ": Not a directory", underFile.err().strip());

        Result folder = SightlineCliTest.run("train", "--data", "/nonexistent", "--out", dir.toString());
        assertEquals(1, folder.code());
        assertEquals("sightline train: --out " + dir + " is a folder; expected a model file such as "
                + dir.resolve("model.safetensors"), folder.err().strip());
        assertEquals("keep me", Files.readString(file));
    }
}
