package org.sightline.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Takes the next element from its source on a background thread while the caller works on the current
 * one: the next mini-batch is decoded, augmented and scaled while the engine runs a training step. One
 * element ahead, in the source's order, so seeded runs see the same batches; a failure in the source
 * reaches the caller at the element it failed on, as itself. Close it to stop the thread when leaving a
 * loop early.
 *
 * <pre>{@code
 * try (PrefetchingIterator<Batch> batches = PrefetchingIterator.of(Batches.inOrder(data, 256).iterator())) {
 *     while (batches.hasNext()) { engine.trainOnBatch(batches.next()); }
 * }
 * }</pre>
 */
public final class PrefetchingIterator<T> implements Iterator<T>, AutoCloseable {
    private final Iterator<T> source;
    private final ExecutorService thread;
    /** The element being taken from the source; null once the source has no more. */
    private Future<T> ahead;

    private PrefetchingIterator(Iterator<T> source) {
        this.source = Objects.requireNonNull(source, "source");
        this.thread = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "sightline-prefetch");
            t.setDaemon(true);
            return t;
        });
        fetchNext();
    }

    /** Starts taking the first element of {@code source} at once. */
    public static <T> PrefetchingIterator<T> of(Iterator<T> source) {
        return new PrefetchingIterator<>(source);
    }

    @Override
    public boolean hasNext() {
        return ahead != null;
    }

    @Override
    public T next() {
        if (ahead == null) {
            throw new NoSuchElementException();
        }
        T value;
        try {
            value = ahead.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the next element", e);
        } catch (ExecutionException e) {
            ahead = null;
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
        // The source is touched by one thread at a time: the task that returned value has finished.
        fetchNext();
        return value;
    }

    private void fetchNext() {
        ahead = source.hasNext() ? thread.submit(source::next) : null;
    }

    /** Stops the background thread; an element being taken is abandoned. */
    @Override
    public void close() {
        ahead = null;
        thread.shutdownNow();
    }
}
