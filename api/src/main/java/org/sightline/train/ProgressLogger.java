package org.sightline.train;

import com.google.common.base.Stopwatch;
import com.google.common.base.Ticker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Keras-style progress output. Prints {@code Epoch 3/25}, a running line at most every
 * {@code interval} ({@code 320/782 [=====>........] - ETA: 42s - loss: 1.2345 - accuracy: 0.5612}),
 * and a closing line per epoch with time per step and validation metrics:
 * {@code 782/782 - 73s - 93ms/step - loss: … - accuracy: … - val_loss: … - val_accuracy: …}.
 */
public final class ProgressLogger implements Callback {
    private static final int BAR_WIDTH = 30;

    private final PrintStream out;
    private final Duration interval;
    private final Ticker ticker;
    private Stopwatch epochTime;
    /** Time into the epoch of the last running line. */
    private Duration lastPrint;

    /** Prints to {@code out}, a running line every 10 seconds. */
    public ProgressLogger(PrintStream out) {
        this(out, Duration.ofSeconds(10), Ticker.systemTicker());
    }

    ProgressLogger(PrintStream out, Duration interval, Ticker ticker) {
        this.out = Objects.requireNonNull(out, "out");
        this.interval = interval;
        this.ticker = ticker;
    }

    @Override
    public void onEpochBegin(TrainingRun run, int epoch) {
        out.printf(Locale.ROOT, "Epoch %d/%d%n", epoch + 1, run.epochs());
        epochTime = Stopwatch.createStarted(ticker);
        lastPrint = Duration.ZERO;
    }

    @Override
    public void onBatchEnd(TrainingRun run, int step, double batchLoss, double runningLoss, double runningAccuracy) {
        Duration elapsed = epochTime.elapsed();
        if (step == run.stepsPerEpoch() || elapsed.minus(lastPrint).compareTo(interval) < 0) {
            return;
        }
        lastPrint = elapsed;
        int steps = run.stepsPerEpoch();
        double perStep = elapsed.toNanos() / (double) step;
        long etaSeconds = Math.round(perStep * (steps - step) / 1e9);
        out.printf(Locale.ROOT, "%s %s - ETA: %s - loss: %.4f - accuracy: %.4f%n", counter(step, steps),
                bar(step, steps), seconds(etaSeconds), runningLoss, runningAccuracy);
    }

    @Override
    public void onEpochEnd(TrainingRun run, EpochMetrics metrics) {
        int steps = run.stepsPerEpoch();
        long nanos = metrics.duration().toNanos();
        out.printf(Locale.ROOT, "%s - %s - %dms/step - %s%n", counter(steps, steps),
                seconds(Math.round(nanos / 1e9)), Math.round(nanos / 1e6 / Math.max(1, steps)), metrics.format());
    }

    @Override
    public void onTrainEnd(TrainingRun run) {
        out.flush();
    }

    private static String counter(int step, int steps) {
        String total = Integer.toString(steps);
        return " ".repeat(total.length() - Integer.toString(step).length()) + step + "/" + total;
    }

    static String bar(int step, int steps) {
        int done = (int) ((long) BAR_WIDTH * step / steps);
        StringBuilder s = new StringBuilder("[");
        s.append("=".repeat(Math.max(0, done - 1)));
        s.append(done < BAR_WIDTH ? ">" : "=");
        s.append(".".repeat(BAR_WIDTH - Math.max(done, 1)));
        return s.append(']').toString();
    }

    private static String seconds(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60,
                seconds % 60) : seconds + "s";
    }
}
