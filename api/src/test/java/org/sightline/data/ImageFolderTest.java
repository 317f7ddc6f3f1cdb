package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sightline.data.DecodedImageTest.gray;
import static org.sightline.data.DecodedImageTest.rgb;
import static org.sightline.data.DecodedImageTest.writeImage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.model.Shape;

class ImageFolderTest {
    @TempDir
    Path root;

    /** A 2×2 PNG of one colour. */
    private Path solid(String relative, int rgb) throws IOException {
        return writeImage(rgb(2, 2, rgb), "png", root.resolve(relative));
    }

    @Test
    void classesAreTheSortedSubFoldersAndLabelsFollowThem() throws IOException {
        solid("dog/b.png", 0x000002);
        solid("dog/a.png", 0x000001);
        solid("cat/x.png", 0x000003);
        solid("bird/only.png", 0x000004);
        solid("bird/nested/deeper.png", 0x000005);
        Files.writeString(root.resolve("README.txt"), "files beside the class folders are ignored");
        solid(".thumbnails/hidden.png", 0x000009);
        Files.writeString(root.resolve("cat/.DS_Store"), "hidden files are skipped");

        ImageDataset data = ImageFolder.load(root);
        assertEquals(List.of("bird", "cat", "dog"), data.classNames());
        assertArrayEquals(new int[] {0, 0, 1, 2, 2}, data.labels());
        assertEquals(Shape.image(2, 2, 3), data.imageShape());
        // Path order inside a class: bird/nested/deeper.png, bird/only.png; dog/a.png, dog/b.png.
        int[] blues = new int[5];
        for (int i = 0; i < 5; i++) {
            blues[i] = data.pixel(i, 2);
        }
        assertArrayEquals(new int[] {5, 4, 3, 1, 2}, blues);
        assertEquals(Optional.of(root.resolve("bird/nested/deeper.png").toString()), data.source(0));
        assertEquals(Optional.of(root.resolve("dog/b.png").toString()), data.source(4));
    }

    @Test
    void pixelsArriveExactlyFromPng() throws IOException {
        writeImage(rgb(1, 2, 0x0A141E, 0xC8B4A0), "png", root.resolve("only/a.png"));
        ImageDataset data = ImageFolder.load(root);
        int[] pixels = new int[6];
        for (int p = 0; p < 6; p++) {
            pixels[p] = data.pixel(0, p);
        }
        assertArrayEquals(new int[] {10, 20, 30, 200, 180, 160}, pixels);
    }

    @Test
    void resizesMixedSizesToTheTargetSize() throws IOException {
        writeImage(rgb(10, 20, 0x204060), "png", root.resolve("a/big.png"));
        writeImage(rgb(3, 3, 0x204060), "jpg", root.resolve("b/small.jpg"));
        ImageDataset data = ImageFolder.load(root, ColorMode.RGB, 8, 6);
        assertEquals(Shape.image(8, 6, 3), data.imageShape());
        assertEquals(2, data.size());
        assertEquals(0x20, data.pixel(0, 0));
        assertEquals(0x60, data.pixel(0, 8 * 6 * 3 - 1));
        assertEquals(0x40, data.pixel(1, 4), 8);
    }

    @Test
    void grayscaleModeGivesOneChannel() throws IOException {
        writeImage(gray(2, 2, 0, 50, 100, 150), "png", root.resolve("g/a.png"));
        solid("r/a.png", 0xFF0000);
        ImageDataset data = ImageFolder.load(root, ColorMode.GRAYSCALE);
        assertEquals(Shape.image(2, 2, 1), data.imageShape());
        assertEquals(150, data.pixel(0, 3));
        assertEquals(76, data.pixel(1, 0));
    }

    @Test
    void aFileThatIsNotAnImageIsNamed() throws IOException {
        solid("cat/a.png", 0);
        Path notes = Files.writeString(root.resolve("cat/notes.txt"), "not a picture");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root));
        assertEquals(notes.toString(), e.file());
    }

    @Test
    void anEmptyClassFolderIsNamed() throws IOException {
        solid("cat/a.png", 0);
        Files.createDirectories(root.resolve("dog"));
        Files.writeString(root.resolve("dog/.hidden"), "only hidden files");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root));
        assertEquals(root.resolve("dog").toString(), e.file());
        assertTrue(e.getMessage().contains("no image files"), e.getMessage());
    }

    @Test
    void noClassFoldersIsAnError() throws IOException {
        solid("a.png", 0).toFile();
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root));
        assertTrue(e.getMessage().contains("has no class sub-folders"), e.getMessage());
        assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root.resolve("a.png")));
        assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root.resolve("missing")));
    }

    @Test
    void mixedSizesWithoutATargetSizeNameBothFiles() throws IOException {
        Path first = solid("a/1.png", 0);
        Path other = writeImage(rgb(3, 2, 0), "png", root.resolve("b/2.png"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root));
        assertEquals(other.toString(), e.file());
        assertTrue(e.getMessage().contains("image is 3×2 but " + first + " is 2×2"), e.getMessage());
        assertTrue(e.getMessage().contains("target size"), e.getMessage());
    }

    @Test
    void rejectsAHalfGivenTargetSize() throws IOException {
        solid("a/1.png", 0);
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(root, ColorMode.RGB, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(root, ColorMode.RGB, -1, -1));
    }

    @Test
    void expectedClassNamesGiveTheLabelsByFolderName() throws IOException {
        solid("cat/a.png", 0x000001);
        solid("dog/a.png", 0x000002);
        solid("dog/b.png", 0x000003);
        ImageDataset data = ImageFolder.load(root, ImageFolder.Options.defaults()
                .withClassNames(List.of("dog", "cat")));
        assertEquals(List.of("dog", "cat"), data.classNames());
        // cat/a.png first in path order, labelled 1 as "cat" is the second expected name.
        assertArrayEquals(new int[] {1, 0, 0}, data.labels());
        assertEquals(1, data.pixel(0, 2));
    }

    @Test
    void classFoldersThatDifferFromTheExpectedNamesAreRefusedListingBoth() throws IOException {
        solid("automobile/a.png", 0);
        solid("plane/a.png", 0);
        solid("ship/a.png", 0);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root,
                ImageFolder.Options.defaults().withClassNames(List.of("airplane", "automobile", "ship", "truck"))));
        assertEquals(root.toString(), e.file());
        assertEquals(root + ": class folders [automobile, plane, ship] differ from the expected class names"
                + " [airplane, automobile, ship, truck]: no folder for [airplane, truck]; unexpected folders [plane]",
                e.getMessage());
    }

    @Test
    void optionsRejectABadTargetSizeOrDuplicateClassNames() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.Options.defaults().withSize(32, 0));
        assertTrue(size.getMessage().contains("32×0"), size.getMessage());
        IllegalArgumentException names = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.Options.defaults().withClassNames(List.of("cat", "cat")));
        assertTrue(names.getMessage().contains("[cat, cat]"), names.getMessage());
    }

    /** What the SLF4J simple logger writes to standard error while {@code action} runs. */
    private static String logOf(IoAction action) throws IOException {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    @Test
    void aDamagedImageFailsTheLoadUnlessSkippedWithACount() throws IOException {
        solid("cat/a.png", 0x000001);
        solid("dog/a.png", 0x000002);
        byte[] jpeg = DecodedImageTest.jpeg();
        Path cut = Files.write(root.resolve("dog/cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Path text = Files.writeString(root.resolve("dog/notes.txt"), "not a picture");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root));
        assertEquals(cut.toString(), e.file());

        ImageDataset[] kept = new ImageDataset[1];
        String log = logOf(() -> kept[0] = ImageFolder.load(root, ImageFolder.Options.defaults()
                .withSize(2, 2).withSkipBadImages(true)));
        assertEquals(2, kept[0].size());
        assertArrayEquals(new int[] {0, 1}, kept[0].labels());
        assertTrue(log.contains("Skipped 2 of 4 files in " + root + " that are not whole images, e.g. " + cut),
                log);
        assertTrue(log.contains(text.toString()), log);
    }

    @Test
    void aFolderOfOnlyBadImagesIsRefusedEvenWhenSkipping() throws IOException {
        Files.createDirectories(root.resolve("cat"));
        Files.writeString(root.resolve("cat/notes.txt"), "not a picture");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> ImageFolder.load(root,
                ImageFolder.Options.defaults().withSkipBadImages(true)));
        assertEquals(root + ": none of its 1 files is a readable image", e.getMessage());
    }

    @Test
    void convertingColourImagesToGrayscaleIsLoggedOnceWithTheCount() throws IOException {
        solid("r/a.png", 0xFF0000);
        solid("r/b.png", 0x00FF00);
        writeImage(gray(2, 2, 0, 50, 100, 150), "png", root.resolve("g/a.png"));
        String log = logOf(() -> ImageFolder.load(root, ColorMode.GRAYSCALE));
        assertTrue(log.contains("Converted 2 colour images of " + root + " to grayscale"), log);
        assertEquals(1, log.lines().filter(line -> line.contains("grayscale")).count(), log);
        assertTrue(!logOf(() -> ImageFolder.load(root)).contains("grayscale"));
    }
}
