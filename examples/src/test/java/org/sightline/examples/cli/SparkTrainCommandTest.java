package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.examples.cli.SightlineCliTest.Result;
import org.sightline.data.PixelScaling;
import org.sightline.io.ModelFile;
import org.sightline.io.SavedModel;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Shape;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.compile.CompileOptions;
import org.sightline.train.Model;

/** {@code sightline spark train} on local[2]: per-epoch report, checkpoint and resume, and every refusal. */
class SparkTrainCommandTest {

        /** {@code sightline spark train} on {@code images} with two replicas on {@code local[2]}. */
    private static Result run(Path images, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--master", "local[2]", "--replicas", "2", "--dataset",
                "folder:" + images, "--architecture", "small", "--batch-size", "4", "--steps-per-round", "2",
                "--out", out.toString()));
        args.addAll(Arrays.asList(extra));
        return execute(args);
    }

    /** The command with only {@code --dataset} and {@code --out} besides {@code extra}. */
    private static Result refuse(Path images, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--dataset", "folder:" + images, "--out", out.toString()));
        args.addAll(Arrays.asList(extra));
        return execute(args);
    }

    /** {@code sightline spark train} with {@code args}, through the CLI as a user runs it. */
    private static Result execute(List<String> args) {
        List<String> command = new ArrayList<>(List.of("spark", "train"));
        command.addAll(args);
        return SightlineCliTest.run(command.toArray(String[]::new));
    }

    @Test
    void printsEveryEpochWithItsTimeAndBytesAndResumesFromTheCheckpoint(@TempDir Path dir) throws Exception {
        Path images = TrainCommandTest.imageFolder(dir);
        Path out = dir.resolve("run/model.safetensors");

        Result first = run(images, out, "--epochs", "1");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().matches("(?s).*Epoch 1/1 - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - val_loss: "
                + "\\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4} - \\d+\\.\\d s - 2 rounds of [\\d,]+ bytes \\(2 replicas\\).*"),
                first.out());
        assertTrue(Files.exists(out));
        Path checkpoint = dir.resolve("run/model.checkpoint.safetensors");
        assertEquals(1, ModelFile.load(checkpoint).training().orElseThrow().epochsCompleted());

        Result resumed = run(images, out, "--epochs", "2", "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("Resuming from " + checkpoint + " after epoch 1"), resumed.out());
        assertTrue(resumed.out().contains("Epoch 2/2 - loss: "), resumed.out());
        assertFalse(resumed.out().contains("Epoch 1/2"), resumed.out());
        assertEquals(2, ModelFile.load(checkpoint).training().orElseThrow().epochsCompleted());
        List<String> history = Files.readAllLines(dir.resolve("run/model.history.csv"));
        assertEquals("epoch,accuracy,loss,val_accuracy,val_loss", history.get(0));
        assertEquals(3, history.size(), history.toString());
        assertTrue(history.get(1).startsWith("0,") && history.get(2).startsWith("1,"), history.toString());
    }

    @Test
    void aLossThatIsNotFiniteFailsWithoutTouchingTheModelFile(@TempDir Path dir) throws Exception {
        Path images = TrainCommandTest.imageFolder(dir);
        Path out = dir.resolve("model.safetensors");
        Files.writeString(out, "an earlier model");

        Result result = run(images, out, "--epochs", "1", "--learning-rate", "1e30");

        assertEquals(1, result.code());
        assertTrue(result.err().startsWith("sightline spark train: training stopped: Training of model 'sequential' failed "
                + "in epoch 1, round 1 of 2: the averaged "), result.err());
        assertTrue(result.err().strip().endsWith("is not a finite number (try a lower learning rate); " + out
                + " was not written"), result.err());
        assertFalse(Files.exists(dir.resolve("model.checkpoint.safetensors")));
        assertEquals("an earlier model", Files.readString(out));
    }

    @Test
    void badOptionsAreNamedBeforeDataOrSparkAreTouched(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-folder");
        Path out = dir.resolve("model.safetensors");
        assertRefused("sightline spark train: --steps-per-round must be > 0, got 0",
                refuse(missing, out, "--steps-per-round", "0"));
        assertRefused("sightline spark train: --replicas must be > 0, got 0", refuse(missing, out, "--replicas", "0"));
        assertRefused("sightline spark train: --epochs must be > 0, got 0", refuse(missing, out, "--epochs", "0"));
        assertRefused("sightline spark train: Backend 'onnx' cannot train on Spark: it lacks capability TRAIN (it has "
                + "[INFER])", refuse(missing, out, "--backend", "onnx"));
        assertRefused("sightline spark train: Unknown --architecture 'huge', expected one of reference, small, resnet20, resnet20-augmented, mobilenet",
                refuse(missing, out, "--architecture", "huge"));
        assertFalse(Files.exists(out));
    }

    @Test
    void aCheckpointThatCannotBeResumedIsRefusedBeforeSparkStarts(@TempDir Path dir) throws Exception {
        Path images = TrainCommandTest.imageFolder(dir);
        Path out = dir.resolve("model.safetensors");
        Path checkpoint = dir.resolve("model.checkpoint.safetensors");
        Shape shape = Shape.image(8, 8, 3);
        List<String> classes = List.of("dark", "light");

        ModelFile.save(checkpoint, SavedModel.of(ReferenceModels.smallCnn(shape, 2),
                ReferenceModels.smallCnn(shape, 2).initialWeights(1), classes));
        assertRefused("sightline spark train: --resume: " + checkpoint + " is a model file without training state (no "
                + "optimizer state or epoch count); leave out --resume to start anew",
                refuse(images, out, "--architecture", "small", "--resume"));

        try (Model model = Model.compile(ReferenceModels.cnn(shape, 2), Backends.get("tensorflow"),
                CompileOptions.reference(), Device.cpu(), 1)) {
            ModelFile.save(checkpoint, new SavedModel(model.spec(), model.toCheckpoint().weights(), classes, PixelScaling.SIGHTLINE,
                    model.toCheckpoint().training()));
        }
        assertRefused("sightline spark train: --resume: the checkpoint " + checkpoint + " holds the reference CNN for "
                + shape + " images and 2 classes, but --architecture small asks for the small CNN for " + shape
                + " images and 2 classes; resume with --architecture reference or leave out --resume to start anew",
                refuse(images, out, "--architecture", "small", "--resume"));
        assertRefused("sightline spark train: --resume: --learning-rate 0.01 differs from the checkpoint's 0.001 ("
                + checkpoint + "); leave out --learning-rate to resume with 0.001",
                refuse(images, out, "--resume", "--learning-rate", "0.01"));
        assertFalse(Files.exists(out));
    }

    @Test
    void anOutThatIsAFolderIsRefused(@TempDir Path dir) {
        assertRefused("sightline spark train: --out " + dir + " is a folder; expected a model file such as "
                + dir.resolve("model.safetensors"), refuse(dir.resolve("images"), dir));
        assertRefused("sightline spark train: --learning-rate must be a finite number > 0, got 0.0",
                refuse(dir.resolve("images"), dir.resolve("m.safetensors"), "--learning-rate", "0"));
        assertRefused("sightline spark train: --batch-size must be > 0, got 0",
                refuse(dir.resolve("images"), dir.resolve("m.safetensors"), "--batch-size", "0"));
    }

    private static void assertRefused(String message, Result result) {
        assertEquals(1, result.code(), result.err());
        assertEquals(message, result.err().strip());
    }
}
