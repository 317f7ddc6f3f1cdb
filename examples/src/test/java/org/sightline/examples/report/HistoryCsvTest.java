package org.sightline.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.train.CsvLogger;
import org.sightline.train.EpochMetrics;

class HistoryCsvTest {

    @Test
    void readsWhatCsvLoggerWrites(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("history.csv");
        CsvLogger logger = new CsvLogger(file, false);
        logger.onTrainBegin(null); // CsvLogger does not look at the run

        EpochMetrics first = new EpochMetrics(0, 1.25, 0.5, OptionalDouble.of(1.5), OptionalDouble.of(0.25),
                Duration.ofSeconds(2));
        EpochMetrics second = new EpochMetrics(1, 0.75, 0.625, OptionalDouble.empty(), OptionalDouble.empty(),
                Duration.ofSeconds(2));
        logger.onEpochEnd(null, first);
        logger.onEpochEnd(null, second);

        List<EpochMetrics> read = HistoryCsv.read(file);
        assertEquals(List.of(new EpochMetrics(0, 1.25, 0.5, OptionalDouble.of(1.5), OptionalDouble.of(0.25),
                Duration.ZERO), new EpochMetrics(1, 0.75, 0.625, OptionalDouble.empty(), OptionalDouble.empty(),
                Duration.ZERO)), read);
    }

    @Test
    void aRepeatedEpochOfAResumedRunKeepsTheLaterRow(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("h.csv"), HistoryCsv.HEADER + "\n0,0.5,1.0,,\n1,0.6,0.9,,\n"
                + "1,0.7,0.8,,\n2,0.8,0.7,,\n\n");
        List<EpochMetrics> read = HistoryCsv.read(file);
        assertEquals(List.of(0, 1, 2), read.stream().map(EpochMetrics::epoch).toList());
        assertEquals(0.7, read.get(1).accuracy());
    }

    @Test
    void errorsNameTheFileAndLine(@TempDir Path dir) throws Exception {
        Path noHeader = Files.writeString(dir.resolve("a.csv"), "epoch,loss\n0,1.0\n");
        IOException e = assertThrows(IOException.class, () -> HistoryCsv.read(noHeader));
        assertTrue(e.getMessage().contains(noHeader + " must start with the header"), e.getMessage());

        Path columns = Files.writeString(dir.resolve("b.csv"), HistoryCsv.HEADER + "\n0,0.5,1.0\n");
        e = assertThrows(IOException.class, () -> HistoryCsv.read(columns));
        assertTrue(e.getMessage().contains(columns + " line 2 has 3 columns"), e.getMessage());

        Path text = Files.writeString(dir.resolve("c.csv"), HistoryCsv.HEADER + "\n0,0.5,1.0,,\n1,high,1.0,,\n");
        e = assertThrows(IOException.class, () -> HistoryCsv.read(text));
        assertTrue(e.getMessage().contains(text + " line 3 is not a row of numbers: '1,high,1.0,,'"), e.getMessage());

        Path negative = Files.writeString(dir.resolve("d.csv"), HistoryCsv.HEADER + "\n-1,0.5,1.0,,\n");
        e = assertThrows(IOException.class, () -> HistoryCsv.read(negative));
        assertTrue(e.getMessage().contains("epoch must be >= 0, got -1"), e.getMessage());
    }
}
