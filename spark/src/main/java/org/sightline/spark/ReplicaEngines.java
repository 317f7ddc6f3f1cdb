package org.sightline.spark;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.sightline.data.ImageDataset;
import org.sightline.spi.ModelEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an executor JVM keeps between the rounds of one training run, keyed by the run's id: idle
 * engines (building a TensorFlow graph for every step would cost more than the step) and each
 * partition's images and batch cursor. Nothing kept here decides a result: every task resets the
 * engine it borrows from the round's broadcast state, and a cursor that is not exactly where the round
 * starts is rebuilt. Everything is closed when the driver ends the run (in local mode, the same JVM)
 * or when the JVM shuts down.
 */
final class ReplicaEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaEngines.class);
    private static final Map<String, Queue<ModelEngine>> IDLE = new ConcurrentHashMap<>();
    private static final Map<String, ImageDataset> PARTITIONS = new ConcurrentHashMap<>();
    private static final Map<String, ReplicaRound.Cursor> CURSORS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ReplicaEngines::closeAll, "sightline-replica-engines"));
    }

    private ReplicaEngines() {
    }

    /** An idle engine of run {@code runId}, or a new one from {@code create}. */
    static ModelEngine borrow(String runId, Supplier<ModelEngine> create) {
        ModelEngine engine = IDLE.computeIfAbsent(runId, id -> new ConcurrentLinkedQueue<>()).poll();
        return engine != null ? engine : create.get();
    }

    /** Gives back an engine for the next task of the run on this executor. */
    static void giveBack(String runId, ModelEngine engine) {
        Queue<ModelEngine> idle = IDLE.get(runId);
        if (idle == null) {
            // The run ended while this task ran.
            engine.close();
        } else {
            idle.add(engine);
        }
    }

    static ImageDataset partition(String runId, int partition, Supplier<ImageDataset> load) {
        return PARTITIONS.computeIfAbsent(runId + "/" + partition, key -> load.get());
    }

    static ReplicaRound.Cursor cursor(String runId, int partition) {
        return CURSORS.remove(runId + "/" + partition);
    }

    static void keepCursor(String runId, int partition, ReplicaRound.Cursor cursor) {
        CURSORS.put(runId + "/" + partition, cursor);
    }

    /** Closes the engines and drops the data of run {@code runId} in this JVM. */
    static void release(String runId) {
        Queue<ModelEngine> idle = IDLE.remove(runId);
        if (idle != null) {
            idle.forEach(ModelEngine::close);
        }
        PARTITIONS.keySet().removeIf(key -> key.startsWith(runId + "/"));
        CURSORS.keySet().removeIf(key -> key.startsWith(runId + "/"));
    }

    private static void closeAll() {
        for (String runId : IDLE.keySet()) {
            try {
                release(runId);
            } catch (RuntimeException e) {
                LOG.warn("Closing the replica engines of run {} failed: {}", runId, e.toString());
            }
        }
    }
}
