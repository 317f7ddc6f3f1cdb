package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sightline.conformance.SyntheticImages;
import org.sightline.data.ImageDataset;
import org.sightline.model.Dropout;
import org.sightline.model.Layer;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;
import org.sightline.spi.BatchResult;

/** Spark re-runs a failed replica task from the round's broadcast state; the run must not notice. */
class ReplicaRetryTest {
    private static final Shape SHAPE = Shape.image(8, 8, 3);
    private static final ImageDataset TRAIN = SyntheticImages.bands(96, SHAPE, 4, 5);
    /** Failures injected so far; local mode runs the tasks in this JVM. */
    private static final AtomicInteger FAILURES = new AtomicInteger();

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        // local[2,3]: two threads, and a task may fail twice before its stage fails.
        spark = LocalSpark.start("local[2,3]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The small CNN with dropout, so that a retried task must also draw the same dropout masks. */
    private static Sequential cnnWithDropout() {
        List<Layer> layers = new ArrayList<>(ReferenceModels.smallCnn(SHAPE, 4).layers());
        layers.add(layers.size() - 1, Dropout.of(0.3));
        return Sequential.of("dropout_cnn", SHAPE, layers);
    }

    /**
     * Fails the first attempt of replica 1's task in round 2 (counted from 0) after its first step, so
     * the failed attempt has changed its engine's weights and advanced its dropout stream.
     */
    private static final class FailFirstAttemptOfRoundTwo implements ReplicaListener {
        private static final long serialVersionUID = 1L;

        @Override
        public void onStep(int epoch, long round, int partition, int step, BatchResult result) {
            if (round == 2 && partition == 1 && step == 0 && TaskContext.get().attemptNumber() == 0) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("executor lost mid-round (injected by the test)");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tensorflow", "dl4j"})
    void aTaskThatFailsOnceAndIsRetriedEndsWithTheWeightsOfAnUndisturbedRun(String backend) throws Exception {
        Sequential model = cnnWithDropout();
        SparkTrainer.Builder settings = SparkTrainer.builder(spark).backend(backend).replicas(2).stepsPerRound(2)
                .batchSize(8).epochs(1).seed(21);
        SparkTrainingHistory undisturbed = settings.build().fit(model, TRAIN, null);

        int before = FAILURES.get();
        SparkTrainingHistory retried = settings.listener(new FailFirstAttemptOfRoundTwo()).build()
                .fit(model, TRAIN, null);

        assertEquals(before + 1, FAILURES.get());
        assertEquals(undisturbed.model().weights(), retried.model().weights());
        assertEquals(undisturbed.model().training(), retried.model().training());
        assertEquals(undisturbed.epochs().get(0).loss(), retried.epochs().get(0).loss());
    }
}
