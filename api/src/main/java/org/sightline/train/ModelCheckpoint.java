package org.sightline.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import org.sightline.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras's {@code ModelCheckpoint}: writes a checkpoint (weights, optimizer state, epochs completed)
 * after each epoch, or only when {@code monitor} improves. Writes are atomic, so a crash during a
 * save leaves the previous checkpoint intact, and {@code fit} resumes from it.
 */
public final class ModelCheckpoint implements Callback {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCheckpoint.class);

    private final Path file;
    private final Monitor monitor;
    private final boolean saveBestOnly;
    private double best;

    /** Saves after every epoch. */
    public ModelCheckpoint(Path file) {
        this(file, Monitor.LOSS, false);
    }

    public ModelCheckpoint(Path file, Monitor monitor, boolean saveBestOnly) {
        this.file = file;
        this.monitor = monitor;
        this.saveBestOnly = saveBestOnly;
        this.best = monitor.worst();
    }

    @Override
    public void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
        if (saveBestOnly) {
            double value = metrics.value(monitor);
            if (!monitor.improves(value, best, 0)) {
                return;
            }
            best = value;
        }
        try {
            run.model().saveCheckpoint(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write checkpoint " + file + ": " + AtomicFile.reason(e), e);
        }
        LOG.info(String.format(Locale.ROOT, "Epoch %d: saved checkpoint %s", metrics.epoch() + 1, file));
    }
}
