package org.sightline.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.sightline.data.ImageDataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an executor JVM keeps between the rounds of one training run, keyed by the run's id: each
 * partition's images and its replica's cursor (batches and engine: building a TensorFlow graph for
 * every step would cost more than the step). Nothing kept here decides a result: every task resets the
 * engine from the round's broadcast state, and a cursor that is not exactly where the round starts is
 * rebuilt. Everything is closed when the driver ends the run (in local mode, the same JVM) or when the
 * JVM shuts down.
 */
final class ReplicaEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaEngines.class);
    private static final Map<String, ImageDataset> PARTITIONS = new ConcurrentHashMap<>();
    private static final Map<String, ReplicaRound.Cursor> CURSORS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ReplicaEngines::closeAll, "sightline-replica-engines"));
    }

    private ReplicaEngines() {
    }

    static ImageDataset partition(String runId, int partition, Supplier<ImageDataset> load) {
        return PARTITIONS.computeIfAbsent(runId + "/" + partition, key -> load.get());
    }

    /** Takes the cursor of {@code partition} out of the cache: a task that fails does not put it back. */
    static ReplicaRound.Cursor cursor(String runId, int partition) {
        return CURSORS.remove(runId + "/" + partition);
    }

    static void keepCursor(String runId, int partition, ReplicaRound.Cursor cursor) {
        ReplicaRound.Cursor previous = CURSORS.put(runId + "/" + partition, cursor);
        if (previous != null) {
            // A speculative copy of the task finished first; its engine is not needed.
            previous.close();
        }
    }

    /** Closes the engines and drops the data of run {@code runId} in this JVM. */
    static void release(String runId) {
        PARTITIONS.keySet().removeIf(key -> key.startsWith(runId + "/"));
        CURSORS.entrySet().removeIf(entry -> {
            if (!entry.getKey().startsWith(runId + "/")) {
                return false;
            }
            try {
                entry.getValue().close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the replica engine {} failed: {}", entry.getKey(), e.toString());
            }
            return true;
        });
    }

    private static void closeAll() {
        CURSORS.keySet().stream().map(key -> key.substring(0, key.lastIndexOf('/'))).distinct().toList()
                .forEach(ReplicaEngines::release);
    }
}
