package org.sightline.conformance;

import java.util.Set;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;
import org.sightline.data.Batch;
import org.sightline.model.Network;
import org.sightline.model.Weights;
import org.sightline.spi.Backend;
import org.sightline.spi.BatchResult;
import org.sightline.spi.Capability;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.LossGradients;
import org.sightline.spi.ModelEngine;

/**
 * The per-layer kit run on a backend made of the reference itself: every check must pass, which shows
 * the kit can be passed (its cases build, its dropout checks hold for a correct dropout, its optimizer
 * steps are reproducible), so a backend's failure is the backend's.
 */
class ReferenceBackendLayerConformanceTest extends LayerConformanceTest {

    @Override
    protected Backend backend() {
        return new ReferenceBackend();
    }

    /** A training backend whose engine runs everything on {@link ReferenceOps}. */
    private static final class ReferenceBackend implements Backend {
        @Override
        public String name() {
            return "reference";
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of(Capability.TRAIN, Capability.INFER);
        }

        @Override
        public ModelEngine createEngine(EngineRequest request) {
            return new ReferenceEngine(request);
        }
    }

    private static final class ReferenceEngine implements ModelEngine {
        private final Network model;
        private final CompileOptions options;
        private final long seed;
        private Weights weights;
        private OptimizerState state = new OptimizerState(0, Weights.builder().build());

        ReferenceEngine(EngineRequest request) {
            model = request.model();
            options = request.training().orElse(null);
            seed = request.seed();
            weights = request.weights();
        }

        @Override
        public BatchResult trainOnBatch(Batch batch) {
            // The seed moves with the step, so that each step draws fresh dropout masks.
            ReferenceTraining.Step step = ReferenceTraining.step(model, weights, state, options, batch,
                    seed + state.iterations());
            weights = step.weights();
            state = step.state();
            return new BatchResult(step.loss(), step.correct(), batch.size());
        }

        @Override
        public float[] predict(float[] images, int count) {
            return ReferenceForwardPass.predict(model, weights, images, count);
        }

        @Override
        public LossGradients lossGradients(float[] images, int count, float[] outputWeights, boolean training) {
            return ReferenceTraining.lossGradients(model, weights, images, count, outputWeights, training, seed);
        }

        @Override
        public Weights weights() {
            return weights;
        }

        @Override
        public void setWeights(Weights newWeights) {
            model.requireCompatible(newWeights, "setWeights");
            weights = newWeights;
        }

        @Override
        public OptimizerState optimizerState() {
            return state;
        }

        @Override
        public void setOptimizerState(OptimizerState newState) {
            state = newState;
        }

        @Override
        public void close() {
            // Nothing native to free.
        }
    }
}
