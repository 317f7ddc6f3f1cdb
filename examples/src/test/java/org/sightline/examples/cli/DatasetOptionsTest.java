package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.data.DatasetFormatException;
import org.sightline.data.ImageDataset;
import org.sightline.data.TrainTestSplit;

class DatasetOptionsTest {
    @TempDir
    Path dir;

    private static DatasetOptions folder(Path root, Double validationSplit) {
        DatasetOptions options = new DatasetOptions();
        options.dataset = "folder:" + root;
        options.validationSplit = validationSplit;
        return options;
    }

    @Test
    void trainHoldsOutTwentyPercentByDefault() throws Exception {
        Path root = EvaluateCommandFolderTest.folder(dir.resolve("photos"), List.of("a", "b"), 5);
        TrainTestSplit split = folder(root, null).load(null, null);
        assertEquals(8, split.train().size());
        assertEquals(2, split.test().size());
        TrainTestSplit quarter = folder(root, 0.3).load(null, null);
        assertEquals(3, quarter.test().size());
    }

    @Test
    void evaluationWithTheSameSplitScoresExactlyTheImagesTrainingHeldOut() throws Exception {
        Path root = EvaluateCommandFolderTest.folder(dir.resolve("photos"), List.of("a", "b"), 5);
        ImageDataset heldOut = folder(root, 0.3).load(null, null).test();
        ImageDataset scored = folder(root, 0.3).evaluationSet(List.of("a", "b"), null);
        assertEquals(heldOut.size(), scored.size());
        assertArrayEquals(heldOut.labels(), scored.labels());
        for (int i = 0; i < scored.size(); i++) {
            for (int p = 0; p < 8 * 3; p++) {
                assertEquals(heldOut.pixel(i, p), scored.pixel(i, p), "image " + i);
            }
        }
        assertEquals(10, folder(root, null).evaluationSet(List.of("a", "b"), null).size());
        assertEquals(4, folder(root, null).evaluationSet(List.of("a", "b"), 4).size());
    }

    @Test
    void evaluationLabelsFollowTheModelsClassNames() throws Exception {
        Path root = EvaluateCommandFolderTest.folder(dir.resolve("photos"), List.of("a", "b"), 1);
        ImageDataset scored = folder(root, null).evaluationSet(List.of("b", "a"), null);
        assertEquals(List.of("b", "a"), scored.classNames());
        assertArrayEquals(new int[] {1, 0}, scored.labels());
    }

    @Test
    void skipBadImagesSkipsDamagedFiles() throws Exception {
        Path root = EvaluateCommandFolderTest.folder(dir.resolve("photos"), List.of("a", "b"), 2);
        Files.writeString(root.resolve("a/broken.png"), "not a picture");
        DatasetOptions options = folder(root, null);
        assertThrows(DatasetFormatException.class,
                () -> options.evaluationSet(List.of("a", "b"), null));
        options.skipBadImages = true;
        assertEquals(4, options.evaluationSet(List.of("a", "b"), null).size());
    }
}
