package org.sightline.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;
import org.sightline.io.AtomicFile;

/**
 * Keras's {@code CSVLogger}: one row per epoch, columns {@code epoch,accuracy,loss,val_accuracy,val_loss}
 * (validation columns empty without validation data). The file is rewritten atomically after each
 * epoch, so it is current while training runs and a crash never leaves half a row.
 *
 * <p>A history is never lost or shortened by a run that does not succeed:
 * <ul>
 *   <li>With {@code resume} (a run continuing from a checkpoint) the existing rows are kept and this
 *       run's rows are merged in by epoch: an epoch the run repeats (the checkpoint was older than the
 *       log) replaces its row instead of adding a second one.</li>
 *   <li>Without it (a new model) an existing file is left as it was until this run has at least as
 *       many rows, or until the run ends without failing; a run that fails before then (a NaN loss,
 *       see {@link History#isFailed()}, or an exception) leaves the previous run's history intact.</li>
 * </ul>
 */
public final class CsvLogger implements Callback {
    static final String HEADER = "epoch,accuracy,loss,val_accuracy,val_loss";

    private final Path file;
    private final boolean resume;
    /** The rows the file holds once written, by epoch. */
    private final SortedMap<Integer, String> rows = new TreeMap<>();
    /** Rows of the file a new (not resumed) run found, which it must not shorten before it succeeds. */
    private int previousRows;

    /**
     * A logger writing {@code file}, keeping its rows when {@code resume} is true.
     *
     * @param file   the CSV file; its folder is created if needed
     * @param resume true when {@code fit} continues from a checkpoint: keep the existing rows
     */
    public CsvLogger(Path file, boolean resume) {
        this.file = file;
        this.resume = resume;
    }

    @Override
    public void onTrainBegin(TrainingRun run) {
        rows.clear();
        List<String> existing = readExisting();
        if (resume) {
            for (int i = 1; i < existing.size(); i++) {
                rows.put(epochOf(existing.get(i), i + 1), existing.get(i));
            }
            previousRows = 0;
        } else {
            previousRows = Math.max(0, existing.size() - 1);
        }
        if (existing.isEmpty()) {
            write(); // the header: an unwritable log is found before the first epoch, not after it
        }
    }

    @Override
    public void onEpochEnd(TrainingRun run, EpochMetrics m) {
        rows.put(m.epoch(), String.format(Locale.ROOT, "%d,%s,%s,%s,%s", m.epoch(), m.accuracy(), m.loss(),
                cell(m.validationAccuracy()), cell(m.validationLoss())));
        if (rows.size() >= previousRows) {
            write();
        }
    }

    @Override
    public void onTrainEnd(TrainingRun run) {
        if (!run.isFailed() && rows.size() < previousRows) {
            write(); // a new model's complete history replaces the previous model's longer one
        }
    }

    /** The existing file's non-blank lines, header first; none if there is no file. */
    private List<String> readExisting() {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read CSV log " + file + ": " + AtomicFile.reason(e), e);
        }
        if (resume && !lines.isEmpty() && !lines.get(0).equals(HEADER)) {
            throw new IllegalStateException("Cannot resume CSV log " + file + ": its first line is '" + lines.get(0)
                    + "', expected '" + HEADER + "'");
        }
        return lines;
    }

    private int epochOf(String row, int lineNumber) {
        String first = row.substring(0, Math.max(0, row.indexOf(',')));
        try {
            return Integer.parseInt(first);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Cannot resume CSV log " + file + ": line " + lineNumber
                    + " does not start with an epoch number: '" + row + "'", e);
        }
    }

    private void write() {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        rows.values().forEach(row -> text.append(row).append('\n'));
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        try {
            AtomicFile.write(file, channel -> {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write CSV log " + file + ": " + AtomicFile.reason(e), e);
        }
    }

    private static String cell(OptionalDouble value) {
        return value.isPresent() ? Double.toString(value.getAsDouble()) : "";
    }
}
