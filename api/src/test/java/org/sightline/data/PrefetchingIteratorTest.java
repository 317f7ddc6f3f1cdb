package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrefetchingIteratorTest {

    @Test
    void givesTheSourcesElementsInOrder() {
        List<Integer> seen = new ArrayList<>();
        try (PrefetchingIterator<Integer> it = PrefetchingIterator.of(List.of(1, 2, 3, 4, 5).iterator())) {
            it.forEachRemaining(seen::add);
            assertThrows(NoSuchElementException.class, it::next);
        }
        assertEquals(List.of(1, 2, 3, 4, 5), seen);
        try (PrefetchingIterator<Integer> empty = PrefetchingIterator.of(List.<Integer>of().iterator())) {
            assertFalse(empty.hasNext());
        }
    }

    @Test
    void takesTheNextElementOnAnotherThreadWhileTheCallerWorks() throws InterruptedException {
        CountDownLatch secondTaken = new CountDownLatch(1);
        List<String> threads = new ArrayList<>();
        Iterator<Integer> source = new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < 3;
            }

            @Override
            public Integer next() {
                synchronized (threads) {
                    threads.add(Thread.currentThread().getName());
                }
                if (next == 1) {
                    secondTaken.countDown();
                }
                return next++;
            }
        };
        try (PrefetchingIterator<Integer> it = PrefetchingIterator.of(source)) {
            assertEquals(0, it.next());
            // The caller has not asked for the second element, yet it is taken: the overlap.
            assertTrue(secondTaken.await(10, TimeUnit.SECONDS), "the second element was not taken ahead");
            assertEquals(1, it.next());
            assertEquals(2, it.next());
        }
        synchronized (threads) {
            threads.forEach(name -> assertNotEquals(Thread.currentThread().getName(), name));
        }
    }

    @Test
    void aFailureReachesTheCallerAsItselfAtItsElement() {
        IllegalStateException broken = new IllegalStateException("image 2 is truncated");
        Iterator<Integer> source = new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                if (next == 2) {
                    throw broken;
                }
                return next++;
            }
        };
        try (PrefetchingIterator<Integer> it = PrefetchingIterator.of(source)) {
            assertEquals(0, it.next());
            assertEquals(1, it.next());
            assertSame(broken, assertThrows(IllegalStateException.class, it::next));
            assertFalse(it.hasNext());
        }
    }

    @Test
    void closingStopsTheThread() throws InterruptedException {
        PrefetchingIterator<Integer> it = PrefetchingIterator.of(List.of(1, 2, 3).iterator());
        assertEquals(1, it.next());
        it.close();
        assertFalse(it.hasNext());
        // No prefetch thread outlives its iterator.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (prefetchThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, prefetchThreads());
    }

    private static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("sightline-prefetch") && t.isAlive()).count();
    }
}
