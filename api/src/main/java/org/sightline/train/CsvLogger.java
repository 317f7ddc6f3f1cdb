package org.sightline.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Keras's {@code CSVLogger}: one row per epoch, columns {@code epoch,accuracy,loss,val_accuracy,val_loss}
 * (validation columns empty without validation data). Each row is flushed, so the file is current
 * while training runs. With {@code append} (a resumed run) rows are added to an existing file.
 */
public final class CsvLogger implements Callback {
    static final String HEADER = "epoch,accuracy,loss,val_accuracy,val_loss";

    private final Path file;
    private final boolean append;

    public CsvLogger(Path file, boolean append) {
        this.file = file;
        this.append = append;
    }

    @Override
    public void onTrainBegin(TrainingRun run) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            if (!append || !Files.exists(file) || Files.size(file) == 0) {
                Files.writeString(file, HEADER + "\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write CSV log " + file, e);
        }
    }

    @Override
    public void onEpochEnd(TrainingRun run, EpochMetrics m) {
        String row = String.format(Locale.ROOT, "%d,%s,%s,%s,%s%n", m.epoch(), m.accuracy(), m.loss(),
                cell(m.validationAccuracy()), cell(m.validationLoss()));
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            w.write(row);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to CSV log " + file, e);
        }
    }

    private static String cell(OptionalDouble value) {
        return value.isPresent() ? Double.toString(value.getAsDouble()) : "";
    }
}
