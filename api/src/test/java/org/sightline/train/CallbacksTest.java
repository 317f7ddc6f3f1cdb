package org.sightline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Ticker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
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
