package org.sightline.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.sightline.data.Augmentation;
import org.sightline.data.Batch;
import org.sightline.data.Batches;
import org.sightline.data.ImageDataset;
import org.sightline.io.KerasJson;
import org.sightline.model.Dropout;
import org.sightline.model.Network;
import org.sightline.model.Shape;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Backends;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.ModelEngine;
import org.sightline.compile.CompileOptions;

/**
 * One round of one replica, run by Spark as the task of a partition: reset a replica to the round's
 * broadcast state, train it for up to K steps on the partition's next K batches, and return its state
 * with its loss and accuracy for the driver to average.
 *
 * <p>What a task computes depends only on the broadcast state, the round, the partition and the seed,
 * so a task that Spark re-runs after a failure returns what the first attempt would have returned: the
 * engine is reset from the broadcast before its first step, the batches are those of the partition's
 * seeded shuffle for the epoch, and the engine's dropout stream is seeded from (seed, epoch, partition)
 * and stands at the round's first step. An executor keeps each replica's engine from round to round;
 * a retried task, or one that lands on another executor, rebuilds it and replays the epoch's earlier
 * batches to bring a model with dropout to the same point of its stream (a retry late in an epoch
 * costs up to an epoch of that replica's steps).
 */
final class ReplicaRound implements Function2<Integer, Iterator<TrainingImage>, Iterator<ParameterAveraging>> {
    private static final long serialVersionUID = 1L;

    private final String runId;
    private final Broadcast<ReplicaState> state;
    private final String backendName;
    private final String modelJson;
    private final String compileJson;
    private final ArrayList<String> classNames;
    private final int epoch;
    private final long round;
    private final int roundInEpoch;
    private final int stepsPerRound;
    private final int batchSize;
    private final long seed;
    private final ReplicaListener listener;

    ReplicaRound(String runId, Broadcast<ReplicaState> state, String backendName, Network model,
            CompileOptions options, List<String> classNames, int epoch, long round, int roundInEpoch,
            int stepsPerRound, int batchSize, long seed, ReplicaListener listener) {
        this.runId = runId;
        this.state = state;
        this.backendName = backendName;
        this.modelJson = KerasJson.toJson(model);
        this.compileJson = KerasJson.compileConfigToJson(options);
        this.classNames = new ArrayList<>(classNames);
        this.epoch = epoch;
        this.round = round;
        this.roundInEpoch = roundInEpoch;
        this.stepsPerRound = stepsPerRound;
        this.batchSize = batchSize;
        this.seed = seed;
        this.listener = listener;
    }

    /**
     * The shuffle seed of {@code partition} in {@code epoch}: partition 0 uses {@code Model.fit}'s epoch
     * seed, so one replica sees exactly the batches single-process training sees.
     */
    static long shuffleSeed(long seed, int epoch, int partition) {
        return seed * 1_000_003L + epoch + partition * 0x9E3779B97F4A7C15L;
    }

    /** The dropout seed of a replica's engine in one epoch. */
    static long dropoutSeed(long seed, int epoch, int partition) {
        return (seed * 1_000_003L + epoch) * 1_000_033L + partition;
    }

    @Override
    public Iterator<ParameterAveraging> call(Integer partition, Iterator<TrainingImage> records) {
        listener.onReplicaStart(epoch, round, partition);
        Network model = KerasJson.modelFromJson(modelJson, "the model of training run " + runId);
        ImageDataset data = ReplicaEngines.partition(runId, partition, () -> toDataset(model.inputShape(), records));
        ReplicaState start = state.value();
        int first = roundInEpoch * stepsPerRound;
        Cursor cursor = ReplicaEngines.cursor(runId, partition);
        boolean done = false;
        try {
            if (cursor == null || cursor.epoch != epoch || cursor.next != first) {
                if (cursor != null) {
                    cursor.engine.close();
                }
                cursor = startEpoch(model, data, start, partition, first);
            }
            ParameterAveraging result = new ParameterAveraging();
            if (cursor.batches.hasNext()) {
                ModelEngine engine = cursor.engine;
                engine.setWeights(start.weights());
                engine.setOptimizerState(start.optimizerState());
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                for (int step = 0; step < stepsPerRound && cursor.batches.hasNext(); step++) {
                    Batch batch = cursor.batches.next();
                    cursor.next++;
                    BatchResult trained = engine.trainOnBatch(batch);
                    listener.onStep(epoch, round, partition, step, trained);
                    lossSum += trained.meanLoss() * trained.count();
                    correct += trained.correct();
                    seen += trained.count();
                }
                result.add(ReplicaState.of(engine.weights(), engine.optimizerState()), lossSum, correct, seen);
            }
            ReplicaEngines.keepCursor(runId, partition, cursor);
            done = true;
            return List.of(result).iterator();
        } finally {
            if (!done && cursor != null) {
                // A failed attempt's engine has drawn dropout masks the retry must draw again: start afresh.
                cursor.engine.close();
            }
        }
    }

    /**
     * A replica at step {@code first} of its epoch on an engine of its own. Its dropout stream is seeded
     * from (seed, epoch, partition) and advanced by the epoch's first {@code first} batches, trained
     * and then overwritten by the round's broadcast state, so that it stands where it stands on an
     * executor that ran every earlier round of the epoch: a retried or moved task draws the same masks.
     */
    private Cursor startEpoch(Network model, ImageDataset data, ReplicaState start, int partition, int first) {
        Iterator<Batch> batches = Batches.shuffled(data, batchSize, shuffleSeed(seed, epoch, partition),
                Augmentation.NONE).iterator();
        ModelEngine engine = create(model, start, dropoutSeed(seed, epoch, partition));
        try {
            boolean dropout = model.layers().stream().anyMatch(Dropout.class::isInstance);
            Cursor cursor = new Cursor(epoch, batches, engine);
            while (cursor.next < first && batches.hasNext()) {
                Batch skipped = batches.next();
                if (dropout) {
                    engine.trainOnBatch(skipped);
                }
                cursor.next++;
            }
            return cursor;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    private ModelEngine create(Network model, ReplicaState start, long engineSeed) {
        CompileOptions options = KerasJson.compileConfigFromJson(compileJson, "the compile options of training run "
                + runId);
        return Backends.get(backendName).createEngine(
                EngineRequest.training(model, start.weights(), options, Device.cpu(), engineSeed));
    }

    private ImageDataset toDataset(Shape shape, Iterator<TrainingImage> records) {
        List<TrainingImage> images = new ArrayList<>();
        records.forEachRemaining(images::add);
        // Spark may deliver a partition's records in another order after a recomputation.
        images.sort(Comparator.comparingInt(TrainingImage::index));
        int size = shape.size();
        byte[] pixels = new byte[Math.multiplyExact(images.size(), size)];
        int[] labels = new int[images.size()];
        for (int i = 0; i < labels.length; i++) {
            System.arraycopy(images.get(i).pixels(), 0, pixels, i * size, size);
            labels[i] = images.get(i).label();
        }
        return new ImageDataset(shape, pixels, labels, classNames);
    }

    /**
     * Where a replica stands in its epoch, kept between the rounds on one executor: its batches, the next
     * batch's index and its engine (so that K = 1 does not build a TensorFlow graph every step).
     */
    static final class Cursor implements AutoCloseable {
        private final int epoch;
        private final Iterator<Batch> batches;
        private final ModelEngine engine;
        private int next;

        Cursor(int epoch, Iterator<Batch> batches, ModelEngine engine) {
            this.epoch = epoch;
            this.batches = batches;
            this.engine = engine;
        }

        @Override
        public void close() {
            engine.close();
        }
    }
}
