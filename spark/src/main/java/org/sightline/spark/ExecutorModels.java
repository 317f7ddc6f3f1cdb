package org.sightline.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.sightline.inference.ImageClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models opened in this JVM, one per model content and options: a Spark executor runs many tasks,
 * one after another and several at once, and opening a model (an ONNX Runtime session, a TensorFlow
 * graph) costs far more than scoring a batch, so the first task opens it and every later task of the
 * JVM shares it. Sharing is safe because every {@link ImageClassifier} may be called from many threads.
 *
 * <p>Spark has no hook for "this executor is done", so the models are closed by a JVM shutdown hook,
 * registered with the first model: an executor JVM ends when its application does, and its natives
 * are released then. A model that failed to open is not kept, so the next task tries again.
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<String, ImageClassifier> OPEN = new ConcurrentHashMap<>();
    private static final AtomicInteger OPENED = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "sightline-close-models"));
    }

    private ExecutorModels() {
    }

    /** The model cached under {@code key}, opened by {@code opener} if this JVM has none yet. */
    static ImageClassifier get(String key, Supplier<ImageClassifier> opener) {
        return OPEN.computeIfAbsent(key, k -> {
            ImageClassifier opened = opener.get();
            OPENED.incrementAndGet();
            LOG.info("Opened model {} in this JVM ({} classes, input {})", k.substring(0, 12),
                    opened.classNames().size(), opened.inputShape());
            return opened;
        });
    }

    /** How many models this JVM has opened so far, to check the cache. */
    static int openedCount() {
        return OPENED.get();
    }

    private static void closeAll() {
        for (ImageClassifier classifier : OPEN.values()) {
            if (classifier instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.warn("Could not close a model at JVM shutdown: {}", e.toString());
                }
            }
        }
        OPEN.clear();
    }
}
