package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.sightline.model.PixelScale;
import org.sightline.model.Shape;

class BatchesTest {

    /** {@code count} 1×1×1 images whose pixel is the image's index; label = index % classes. */
    private static ImageDataset indexed(int count, int classes) {
        byte[] pixels = new byte[count];
        int[] labels = new int[count];
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
        }
        for (int i = 0; i < count; i++) {
            pixels[i] = (byte) i;
            labels[i] = i % classes;
        }
        return new ImageDataset(Shape.image(1, 1, 1), pixels, labels, names);
    }

    private static List<Batch> all(Batches batches) {
        List<Batch> list = new ArrayList<>();
        batches.forEach(list::add);
        return list;
    }

    /** The image indices of a batch of {@link #indexed} images, read back from the scaled pixels. */
    private static int[] indices(Batch batch) {
        int[] indices = new int[batch.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = Math.round(batch.images()[i] * 255f);
        }
        return indices;
    }

    private static int[] order(Batches batches) {
        return all(batches).stream().flatMapToInt(b -> Arrays.stream(indices(b))).toArray();
    }

    @Test
    void inOrderGivesFullBatchesThenAPartialLastOne() {
        Batches batches = Batches.inOrder(indexed(10, 3), 4);
        assertEquals(3, batches.count());
        List<Batch> list = all(batches);
        assertEquals(List.of(4, 4, 2), list.stream().map(Batch::size).toList());
        assertArrayEquals(new int[] {0, 1, 2, 3}, indices(list.get(0)));
        assertArrayEquals(new int[] {8, 9}, indices(list.get(2)));
        Batch last = list.get(2);
        assertArrayEquals(new int[] {2, 0}, last.labels());
        assertEquals(2, last.images().length);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, last.oneHot());
        assertEquals(3, last.numClasses());
        assertEquals(Shape.image(1, 1, 1), last.imageShape());
    }

    @Test
    void countMatchesTheBatchesForEveryRemainder() {
        for (int size = 0; size <= 9; size++) {
            for (int batchSize = 1; batchSize <= 4; batchSize++) {
                Batches batches = Batches.inOrder(indexed(size, 2), batchSize);
                assertEquals(all(batches).size(), batches.count(), size + "/" + batchSize);
                assertEquals(size, all(batches).stream().mapToInt(Batch::size).sum());
            }
        }
    }

    @Test
    void aBatchLargerThanTheDatasetHoldsEverything() {
        List<Batch> list = all(Batches.inOrder(indexed(5, 2), 64));
        assertEquals(1, list.size());
        assertEquals(5, list.get(0).size());
    }

    @Test
    void anEmptyDatasetGivesNoBatches() {
        Batches batches = Batches.shuffled(indexed(0, 2), 8, 1L, Augmentation.standard());
        assertEquals(0, batches.count());
        assertFalse(batches.iterator().hasNext());
    }

    @Test
    void iteratorEndsWithNoSuchElement() {
        Iterator<Batch> it = Batches.inOrder(indexed(2, 2), 2).iterator();
        it.next();
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void scalingDividesBy255ExactlyAsTheReference() {
        ImageDataset every = indexed(256, 1);
        Batch batch = Batches.inOrder(every, 256).iterator().next();
        for (int v = 0; v < 256; v++) {
            // Bit-exact: float32 x / 255, as numpy computes X.astype('float32') / 255.0.
            assertEquals(Float.floatToIntBits(v / 255f), Float.floatToIntBits(batch.images()[v]), "value " + v);
        }
        byte[] bytes = new byte[256];
        for (int v = 0; v < 256; v++) {
            bytes[v] = (byte) v;
        }
        assertArrayEquals(batch.images(), PixelScale.toFloats(bytes));
        assertEquals(0f, batch.images()[0]);
        assertEquals(1f, batch.images()[255]);
    }

    @Test
    void oneHotHasASingleOneAtEachLabel() {
        Batch batch = Batches.inOrder(indexed(7, 4), 7).iterator().next();
        for (int i = 0; i < 7; i++) {
            float[] row = Arrays.copyOfRange(batch.oneHot(), i * 4, i * 4 + 4);
            float[] expected = new float[4];
            expected[i % 4] = 1f;
            assertArrayEquals(expected, row, "example " + i);
        }
    }

    @Test
    void shuffledVisitsEveryImageOnceAndKeepsLabelsWithImages() {
        Batches batches = Batches.shuffled(indexed(100, 3), 16, 21L, Augmentation.NONE);
        int[] order = order(batches);
        assertEquals(100, order.length);
        assertEquals(100, Arrays.stream(order).distinct().count());
        for (Batch batch : batches) {
            int[] indices = indices(batch);
            for (int i = 0; i < batch.size(); i++) {
                assertEquals(indices[i] % 3, batch.labels()[i]);
            }
        }
    }

    @Test
    void shufflingIsReproducibleFromTheSeed() {
        ImageDataset data = indexed(100, 3);
        int[] first = order(Batches.shuffled(data, 16, 21L, Augmentation.NONE));
        assertArrayEquals(first, order(Batches.shuffled(data, 16, 21L, Augmentation.NONE)));
        // The order does not depend on the batch size, only on the seed.
        assertArrayEquals(first, order(Batches.shuffled(data, 7, 21L, Augmentation.NONE)));
        assertFalse(Arrays.equals(first, order(Batches.shuffled(data, 16, 22L, Augmentation.NONE))));
        int[] identity = IntStream.range(0, 100).toArray();
        assertFalse(Arrays.equals(identity, first));
    }

    @Test
    void iteratingTwiceGivesTheSameAugmentedBatches() {
        ImageDataset data = pattern(20, 3, 3, 2);
        Batches batches = Batches.shuffled(data, 6, 5L, Augmentation.standard());
        List<Batch> first = all(batches);
        List<Batch> second = all(batches);
        List<Batch> rebuilt = all(Batches.shuffled(data, 6, 5L, Augmentation.standard()));
        for (int b = 0; b < first.size(); b++) {
            assertArrayEquals(first.get(b).images(), second.get(b).images());
            assertArrayEquals(first.get(b).images(), rebuilt.get(b).images());
        }
        List<Batch> other = all(Batches.shuffled(data, 6, 6L, Augmentation.standard()));
        assertFalse(Arrays.equals(first.get(0).images(), other.get(0).images()));
    }

    @Test
    void withoutAugmentationImagesAreTheOriginals() {
        ImageDataset data = pattern(10, 3, 3, 2);
        for (Batch batch : Batches.shuffled(data, 4, 9L, new Augmentation(false, 0))) {
            for (int i = 0; i < batch.size(); i++) {
                byte[] image = bytes(batch, i, 18);
                assertEquals(batch.labels()[i], data.label(image[0]), "label of image " + image[0]);
                assertArrayEquals(original(data, image[0]), image);
            }
        }
    }

    @Test
    void horizontalFlipMirrorsColumnsAndKeepsChannelsTogether() {
        // One image 1×3×2: pixel x has channels (10+x, 20+x).
        ImageDataset data = new ImageDataset(Shape.image(1, 3, 2), new byte[] {10, 20, 11, 21, 12, 22},
                new int[] {0}, List.of("only"));
        byte[] same = {10, 20, 11, 21, 12, 22};
        byte[] mirrored = {12, 22, 11, 21, 10, 20};
        int flips = 0;
        for (long seed = 0; seed < 200; seed++) {
            Batch batch = Batches.shuffled(data, 1, seed, new Augmentation(true, 0)).iterator().next();
            byte[] image = bytes(batch, 0, 6);
            if (Arrays.equals(image, mirrored)) {
                flips++;
            } else {
                assertArrayEquals(same, image, "seed " + seed);
            }
        }
        assertTrue(flips > 70 && flips < 130, "about half the draws flip, got " + flips + " of 200");
    }

    @Test
    void cropAfterPaddingGivesExactlyThePaddedCropsAndAllOfThem() {
        // A hand-made 3×3 image, values 1..9; with padding 1 the crop at the top-left corner of the
        // padded 5×5 image is:
        byte[] image = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        byte[] topLeft = {0, 0, 0, 0, 1, 2, 0, 4, 5};
        List<byte[]> candidates = paddedCrops(image, 3, 3, 1, 1);
        assertTrue(candidates.stream().anyMatch(c -> Arrays.equals(c, topLeft)));
        assertEquals(9, candidates.size());

        ImageDataset data = new ImageDataset(Shape.image(3, 3, 1), image, new int[] {0}, List.of("only"));
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 400; seed++) {
            byte[] out = bytes(Batches.shuffled(data, 1, seed, new Augmentation(false, 1)).iterator().next(), 0, 9);
            assertTrue(candidates.stream().anyMatch(c -> Arrays.equals(c, out)), "seed " + seed + " gave "
                    + Arrays.toString(out));
            seen.add(Arrays.toString(out));
        }
        assertEquals(9, seen.size(), "every crop position is drawn");
    }

    @Test
    void standardAugmentationIsACropThenAFlipOfThePaddedImage() {
        ImageDataset data = pattern(1, 4, 5, 2);
        byte[] image = original(data, 0);
        List<byte[]> candidates = paddedCrops(image, 4, 5, 2, 2);
        List<byte[]> withFlips = new ArrayList<>(candidates);
        for (byte[] crop : candidates) {
            withFlips.add(flip(crop, 4, 5, 2));
        }
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 1500; seed++) {
            byte[] out = bytes(Batches.shuffled(data, 1, seed, new Augmentation(true, 2)).iterator().next(), 0, 40);
            assertTrue(withFlips.stream().anyMatch(c -> Arrays.equals(c, out)), "seed " + seed);
            seen.add(Arrays.toString(out));
        }
        assertEquals(2 * 25, seen.size(), "5×5 crop positions × flip");
    }

    @Test
    void augmentationLeavesTheDatasetUntouched() {
        ImageDataset data = pattern(8, 3, 3, 2);
        byte[][] before = new byte[8][];
        for (int i = 0; i < 8; i++) {
            before[i] = original(data, i);
        }
        all(Batches.shuffled(data, 3, 1L, Augmentation.standard()));
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(before[i], original(data, i));
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Batches.inOrder(indexed(3, 2), 0));
        assertThrows(IllegalArgumentException.class, () -> Batches.shuffled(indexed(3, 2), -1, 1L,
                Augmentation.NONE));
        assertThrows(NullPointerException.class, () -> Batches.shuffled(indexed(3, 2), 2, 1L, null));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(true, -1));
        assertTrue(Augmentation.standard().isEnabled());
        assertFalse(Augmentation.NONE.isEnabled());
        assertEquals(new Augmentation(true, 4), Augmentation.standard());
    }

    /** {@code count} images of h×w×c; byte 0 of each is its index, the rest a per-position pattern. */
    private static ImageDataset pattern(int count, int h, int w, int c) {
        int size = h * w * c;
        byte[] pixels = new byte[count * size];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < size; p++) {
                pixels[i * size + p] = (byte) (p == 0 ? i : 30 + p);
            }
            labels[i] = i % 2;
        }
        return new ImageDataset(Shape.image(h, w, c), pixels, labels, List.of("even", "odd"));
    }

    private static byte[] original(ImageDataset data, int index) {
        byte[] image = new byte[data.imageShape().size()];
        data.copyImage(index, image, 0);
        return image;
    }

    private static byte[] bytes(Batch batch, int index, int size) {
        byte[] image = new byte[size];
        for (int p = 0; p < size; p++) {
            image[p] = (byte) Math.round(batch.images()[index * size + p] * 255f);
        }
        return image;
    }

    /** Every crop of h×w out of the image zero-padded by {@code pad}, by the literal procedure. */
    private static List<byte[]> paddedCrops(byte[] image, int h, int w, int c, int pad) {
        int ph = h + 2 * pad;
        int pw = w + 2 * pad;
        byte[] padded = new byte[ph * pw * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(image, (y * w + x) * c, padded, ((y + pad) * pw + x + pad) * c, c);
            }
        }
        List<byte[]> crops = new ArrayList<>();
        for (int oy = 0; oy <= 2 * pad; oy++) {
            for (int ox = 0; ox <= 2 * pad; ox++) {
                byte[] crop = new byte[h * w * c];
                for (int y = 0; y < h; y++) {
                    System.arraycopy(padded, ((y + oy) * pw + ox) * c, crop, y * w * c, w * c);
                }
                crops.add(crop);
            }
        }
        return crops;
    }

    private static byte[] flip(byte[] image, int h, int w, int c) {
        byte[] out = new byte[image.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(image, (y * w + x) * c, out, (y * w + (w - 1 - x)) * c, c);
            }
        }
        return out;
    }

    @Test
    void distinctSeedsGiveDistinctOrders() {
        assertNotEquals(Arrays.toString(order(Batches.shuffled(indexed(50, 2), 10, 1L, Augmentation.NONE))),
                Arrays.toString(order(Batches.shuffled(indexed(50, 2), 10, 2L, Augmentation.NONE))));
    }
}
