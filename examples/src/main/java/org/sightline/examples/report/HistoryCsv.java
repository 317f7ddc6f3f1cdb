package org.sightline.examples.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.sightline.train.CsvLogger;
import org.sightline.train.EpochMetrics;

/**
 * Reads the history a {@link CsvLogger} wrote, so that a report covers every epoch of a run,
 * including those before a {@code --resume}. The file has no durations; they read as zero.
 */
public final class HistoryCsv {
    static final String HEADER = "epoch,accuracy,loss,val_accuracy,val_loss";

    private HistoryCsv() {
    }

    /**
     * The epochs in {@code file}, in order. When a resumed run repeated an epoch (it crashed after
     * logging the epoch but before its checkpoint was saved), the later row wins, as it is the one the
     * model file continues from.
     */
    public static List<EpochMetrics> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).strip().equals(HEADER)) {
            throw new IOException("History " + file + " must start with the header '" + HEADER + "', got '"
                    + (lines.isEmpty() ? "" : lines.get(0)) + "'");
        }
        TreeMap<Integer, EpochMetrics> byEpoch = new TreeMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            EpochMetrics metrics = parse(line, file, i + 1);
            byEpoch.put(metrics.epoch(), metrics);
        }
        return new ArrayList<>(byEpoch.values());
    }

    private static EpochMetrics parse(String line, Path file, int lineNumber) throws IOException {
        String[] cells = line.split(",", -1);
        if (cells.length != 5) {
            throw new IOException("History " + file + " line " + lineNumber + " has " + cells.length
                    + " columns, expected 5 (" + HEADER + "): '" + line + "'");
        }
        try {
            int epoch = Integer.parseInt(cells[0]);
            if (epoch < 0) {
                throw new NumberFormatException("epoch must be >= 0, got " + epoch);
            }
            return new EpochMetrics(epoch, Double.parseDouble(cells[2]), Double.parseDouble(cells[1]),
                    optional(cells[4]), optional(cells[3]), Duration.ZERO);
        } catch (NumberFormatException e) {
            throw new IOException("History " + file + " line " + lineNumber + " is not a row of numbers: '" + line
                    + "' (" + e.getMessage() + ")", e);
        }
    }

    private static OptionalDouble optional(String cell) {
        return cell.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(cell));
    }
}
