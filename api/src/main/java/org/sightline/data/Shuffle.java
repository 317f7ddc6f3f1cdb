package org.sightline.data;

import java.util.SplittableRandom;

/** Seeded Fisher–Yates permutations, so that every backend sees the same example order. */
final class Shuffle {
    private Shuffle() {
    }

    static int[] permutation(int size, SplittableRandom random) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
