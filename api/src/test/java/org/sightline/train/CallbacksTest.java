package org.sightline.train;

import org.sightline.compile.Adam;
import org.sightline.compile.CompileOptions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallbacksTest {

    @Test
    void csvLoggerWritesKerasColumnsAndAppendsOnResume(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("logs/history.csv");
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(2).callbacks(new CsvLogger(csv, false)).build());
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(3).callbacks(new CsvLogger(csv, true)).build());
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals("epoch,accuracy,loss,val_accuracy,val_loss", lines.get(0));
        assertEquals(4, lines.size());
        for (int epoch = 0; epoch < 3; epoch++) {
            String[] cells = lines.get(epoch + 1).split(",");
            assertEquals(Integer.toString(epoch), cells[0]);
            assertEquals(5, cells.length);
            double accuracy = Double.parseDouble(cells[1]);
            assertTrue(accuracy >= 0 && accuracy <= 1);
        }
    }

    @Test
    void aResumedRunReplacesTheRowsOfEpochsItRepeatsInsteadOfDuplicatingThem(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("history.csv");
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(3).callbacks(new CsvLogger(csv, false)).build());
        }
        List<String> before = Files.readAllLines(csv);
        // The checkpoint is one epoch behind the log, as after a kill between the log's and the checkpoint's write.
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(2).build());
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(4).callbacks(new CsvLogger(csv, true)).build());
        }
        List<String> after = Files.readAllLines(csv);
        assertEquals(List.of("0", "1", "2", "3"), after.stream().skip(1).map(l -> l.split(",")[0]).toList());
        assertEquals(before.subList(0, 3), after.subList(0, 3), "the header and the rows of epochs 0 and 1 are kept");
    }

    @Test
    void aFailedRunLeavesThePreviousHistoryAsItWas(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("history.csv");
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(3).callbacks(new CsvLogger(csv, false)).build());
        }
        byte[] before = Files.readAllBytes(csv);
        try (Model model = ModelTest.compile(CompileOptions.of(Adam.withLearningRate(1e38)))) {
            History history = model.fit(ModelTest.TRAIN, ModelTest.fitOptions(3)
                    .callbacks(new CsvLogger(csv, false), new TerminateOnNaN()).build());
            assertTrue(history.isFailed());
        }
        assertArrayEquals(before, Files.readAllBytes(csv), "a new model's failed run keeps the old history");

        // A new model that trains successfully for fewer epochs replaces the old model's history.
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(1).callbacks(new CsvLogger(csv, false)).build());
        }
        assertEquals(2, Files.readAllLines(csv).size());
    }

    @Test
    void aLogThatIsNotOursIsNamedAndLeftAloneOnResume(@TempDir Path dir) throws IOException {
        Path columns = Files.writeString(dir.resolve("columns.csv"), "epoch,loss\n0,1.0\n");
        Path text = Files.writeString(dir.resolve("text.csv"), CsvLogger.HEADER + "\n0,0.5,1.0,,\nfirst,0.6,0.9,,\n");
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.fit(ModelTest.TRAIN,
                    ModelTest.fitOptions(1).callbacks(new CsvLogger(columns, true)).build()));
            assertEquals("Cannot resume CSV log " + columns + ": its first line is 'epoch,loss', expected '"
                    + CsvLogger.HEADER + "'", e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> model.fit(ModelTest.TRAIN,
                    ModelTest.fitOptions(1).callbacks(new CsvLogger(text, true)).build()));
            assertEquals("Cannot resume CSV log " + text + ": line 3 does not start with an epoch number: "
                    + "'first,0.6,0.9,,'", e.getMessage());
            assertEquals(0, model.epochsCompleted(), "refused before training");
        }
        assertEquals("epoch,loss\n0,1.0\n", Files.readString(columns));
    }

    @Test
    void checkpointAndCsvWriteFailuresEndWithTheirCause(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        Path checkpoint = file.resolve("checkpoint.safetensors");
        Path csv = Files.createDirectory(dir.resolve("history.csv"));
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> model.fit(ModelTest.TRAIN,
                    ModelTest.fitOptions(1).callbacks(new ModelCheckpoint(checkpoint)).build()));
            assertEquals("Cannot write checkpoint " + checkpoint + ": Not a directory", e.getMessage());
            e = assertThrows(UncheckedIOException.class, () -> model.fit(ModelTest.TRAIN,
                    ModelTest.fitOptions(2).callbacks(new CsvLogger(csv, false)).build()));
            assertTrue(e.getMessage().startsWith("Cannot write CSV log " + csv + ": "), e.getMessage());
            assertTrue(e.getMessage().endsWith("Is a directory"), e.getMessage());
        }
    }

    @Test
    void progressLoggerPrintsKerasLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        // Each batch "takes" 3 s on the fake clock, so a running line appears every 10 s.
        Ticker ticker = new Ticker() {
            @Override
            public long read() {
                return clock.getAndAdd(3_000_000_000L);
            }
        };
        ProgressLogger logger = new ProgressLogger(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(10), ticker);
        try (Model model = ModelTest.compile(ModelTest.FAST)) {
            model.fit(ModelTest.TRAIN, ModelTest.fitOptions(2).callbacks(logger).build());
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("Epoch 1/2", lines.get(0));
        assertTrue(lines.get(1).matches("4/8 \\[=+>\\.+\\] - ETA: \\d+s - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4}"),
                lines.get(1));
        String epochLine = lines.stream().filter(l -> l.startsWith("8/8 - ")).findFirst().orElseThrow();
        assertTrue(epochLine.matches("8/8 - \\d+s - \\d+ms/step - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - "
                + "val_loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4}"), epochLine);
        assertTrue(lines.contains("Epoch 2/2"));
    }

    @Test
    void progressBarFillsWithSteps() {
        assertEquals("[>.............................]", ProgressLogger.bar(0, 10));
        assertEquals("[==============>...............]", ProgressLogger.bar(5, 10));
        assertEquals("[==============================]", ProgressLogger.bar(10, 10));
    }

    @Test
    void monitorsKnowTheirDirection() {
        assertTrue(Monitor.VAL_LOSS.improves(0.5, 0.6, 0.01));
        assertTrue(!Monitor.VAL_LOSS.improves(0.595, 0.6, 0.01));
        assertTrue(Monitor.VAL_ACCURACY.improves(0.7, 0.6, 0.0));
        assertEquals(Monitor.VAL_ACCURACY, Monitor.fromKeras("val_accuracy"));
    }
}
