package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sightline.model.Shape;

class ImageDatasetTest {
    private static final Shape SHAPE = Shape.image(2, 2, 3);
    private static final List<String> CLASSES = List.of("a", "b", "c");

    /** {@code count} images of 2×2×3 whose every byte is the image's index (plus 100 for channel 2). */
    private static ImageDataset dataset(int count) {
        byte[] pixels = new byte[count * 12];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < 12; p++) {
                pixels[i * 12 + p] = (byte) (p % 3 == 2 ? i + 100 : i);
            }
            labels[i] = i % 3;
        }
        return new ImageDataset(SHAPE, pixels, labels, CLASSES);
    }

    @Test
    void exposesImagesLabelsAndClasses() {
        ImageDataset data = dataset(5);
        assertEquals(5, data.size());
        assertEquals(SHAPE, data.imageShape());
        assertEquals(CLASSES, data.classNames());
        assertEquals(3, data.numClasses());
        assertArrayEquals(new int[] {0, 1, 2, 0, 1}, data.labels());
        assertEquals(2, data.label(2));
        assertEquals(4, data.pixel(4, 0));
        assertEquals(104, data.pixel(4, 11));
        assertArrayEquals(new int[] {2, 2, 1}, data.classCounts());
        assertEquals("ImageDataset[5 images of (None, 2, 2, 3), 3 classes]", data.toString());
    }

    @Test
    void pixelsAbove127ReadAsUnsigned() {
        ImageDataset data = new ImageDataset(Shape.image(1, 1, 1), new byte[] {(byte) 255, (byte) 128}, new int[2],
                List.of("only"));
        assertEquals(255, data.pixel(0, 0));
        assertEquals(128, data.pixel(1, 0));
    }

    @Test
    void labelsAreCopiedOut() {
        ImageDataset data = dataset(3);
        data.labels()[0] = 2;
        assertEquals(0, data.label(0));
    }

    @Test
    void copyImageCopiesOneImageAtTheOffset() {
        byte[] target = new byte[14];
        dataset(3).copyImage(2, target, 1);
        assertEquals(0, target[0]);
        assertEquals(2, target[1]);
        assertEquals(102, target[3]);
        assertEquals(102, target[12]);
        assertEquals(0, target[13]);
    }

    @Test
    void constructorRejectsWrongPixelCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset(SHAPE, new byte[23], new int[2], CLASSES));
        assertEquals("ImageDataset of 2 images of (None, 2, 2, 3) needs 24 pixel bytes, got 23", e.getMessage());
    }

    @Test
    void constructorRejectsLabelsOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset(SHAPE, new byte[24], new int[] {0, 3}, CLASSES));
        assertEquals("Label of image 1 is 3, expected 0..2", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset(SHAPE, new byte[24], new int[] {-1, 0}, CLASSES));
    }

    @Test
    void constructorRejectsNonImageShapeNoClassesAndDuplicateClasses() {
        assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset(Shape.of(12), new byte[12], new int[1], CLASSES));
        assertThrows(IllegalArgumentException.class, () -> new ImageDataset(SHAPE, new byte[0], new int[0], List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset(SHAPE, new byte[0], new int[0], List.of("cat", "dog", "cat")));
        assertTrue(e.getMessage().contains("[cat, dog, cat]"), e.getMessage());
    }

    @Test
    void emptyDatasetIsAllowed() {
        ImageDataset empty = new ImageDataset(SHAPE, new byte[0], new int[0], CLASSES);
        assertEquals(0, empty.size());
        assertArrayEquals(new int[3], empty.classCounts());
    }

    @Test
    void pixelAndCopyImageRejectIndicesOutsideTheDataset() {
        ImageDataset data = dataset(3);
        assertThrows(IndexOutOfBoundsException.class, () -> data.pixel(3, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> data.pixel(-1, 0));
        // Offset 12 would be the first byte of image 1: a silent wrong read without the check.
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> data.pixel(0, 12));
        assertTrue(e.getMessage().contains("12"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> data.copyImage(3, new byte[12], 0));
    }

    @Test
    void sliceCopiesTheRange() {
        ImageDataset slice = dataset(5).slice(1, 4);
        assertEquals(3, slice.size());
        assertArrayEquals(new int[] {1, 2, 0}, slice.labels());
        assertEquals(1, slice.pixel(0, 0));
        assertEquals(103, slice.pixel(2, 2));
        assertEquals(0, dataset(5).slice(2, 2).size());
        assertThrows(IndexOutOfBoundsException.class, () -> dataset(5).slice(3, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> dataset(5).slice(0, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> dataset(5).slice(-1, 2));
    }

    @Test
    void takeKeepsTheFirstImages() {
        ImageDataset data = dataset(5);
        assertArrayEquals(new int[] {0, 1}, data.take(2).labels());
        assertEquals(1, data.take(2).pixel(1, 0));
        assertSame(data, data.take(5));
        assertSame(data, data.take(100));
        assertEquals(0, data.take(0).size());
        assertThrows(IllegalArgumentException.class, () -> data.take(-1));
    }

    @Test
    void selectPicksImagesInTheGivenOrder() {
        ImageDataset picked = dataset(5).select(new int[] {4, 0, 4});
        assertEquals(3, picked.size());
        assertEquals(4, picked.pixel(0, 0));
        assertEquals(0, picked.pixel(1, 0));
        assertEquals(104, picked.pixel(2, 5));
        assertArrayEquals(new int[] {1, 0, 1}, picked.labels());
        assertThrows(IndexOutOfBoundsException.class, () -> dataset(5).select(new int[] {5}));
    }

    @Test
    void splitIsSeededDisjointAndComplete() {
        ImageDataset data = dataset(100);
        ImageDataset.Split split = data.split(0.2, 21L);
        assertEquals(80, split.train().size());
        assertEquals(20, split.validation().size());
        Set<Integer> seen = new HashSet<>();
        for (ImageDataset part : List.of(split.train(), split.validation())) {
            for (int i = 0; i < part.size(); i++) {
                int original = part.pixel(i, 0);
                assertTrue(seen.add(original), "image " + original + " in both parts");
                assertEquals(original % 3, part.label(i), "label travels with its image");
            }
        }
        assertEquals(100, seen.size());

        ImageDataset.Split again = data.split(0.2, 21L);
        assertArrayEquals(firstPixels(split.validation()), firstPixels(again.validation()));
        assertNotEquals(Arrays.toString(firstPixels(split.validation())),
                Arrays.toString(firstPixels(data.split(0.2, 22L).validation())));
        // Shuffled, not the last 20 images as an unshuffled split would give.
        assertNotEquals(Arrays.toString(firstPixels(data.slice(80, 100))),
                Arrays.toString(firstPixels(split.validation())));
    }

    @Test
    void splitRoundsTheValidationSize() {
        ImageDataset.Split split = dataset(10).split(0.25, 1L);
        assertEquals(3, split.validation().size());
        assertEquals(7, split.train().size());
    }

    @Test
    void splitRejectsFractionsOutsideTheOpenInterval() {
        for (double fraction : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> dataset(10).split(fraction, 1L), "" + fraction);
        }
    }

    @Test
    void splitRefusesAnEmptyPart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dataset(10).split(0.01, 1L));
        assertTrue(e.getMessage().contains("0 for validation"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dataset(10).split(0.99, 1L));
    }

    private static int[] firstPixels(ImageDataset data) {
        int[] values = new int[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.pixel(i, 0);
        }
        return values;
    }

    @Test
    void sourcesFollowTheirImagesThroughSlicesSelectionsAndSplits() {
        ImageDataset data = dataset(6).withSources(List.of("f0", "f1", "f2", "f3", "f4", "f5"));
        assertEquals(Optional.empty(), dataset(6).source(0));
        assertEquals(Optional.of("f4"), data.source(4));
        assertEquals(Optional.of("f3"), data.slice(2, 5).source(1));
        assertEquals(Optional.of("f1"), data.take(2).source(1));
        assertEquals(Optional.of("f5"), data.select(new int[] {5, 0}).source(0));
        ImageDataset.Split split = data.split(0.5, 3);
        for (ImageDataset part : List.of(split.train(), split.validation())) {
            for (int i = 0; i < part.size(); i++) {
                int original = Integer.parseInt(part.source(i).orElseThrow().substring(1));
                assertEquals(original, part.pixel(i, 0), "image and source stay together");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> dataset(2).withSources(List.of("only one")));
    }
}
