package org.sightline.dl4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.compile.CompileOptions;
import org.sightline.compile.OptimizerState;
import org.sightline.compile.TrainingStep;
import org.sightline.data.Batch;
import org.sightline.model.ModelWeight;
import org.sightline.model.Network;
import org.sightline.model.Shape;
import org.sightline.model.Weights;
import org.sightline.spi.BatchResult;
import org.sightline.spi.EngineException;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.LossGradients;
import org.sightline.spi.ModelEngine;

/**
 * A {@link Network} running on libnd4j through {@link Dl4jOps} programs: the api's
 * {@link TrainingStep} (forward, loss, gradients, optimizer, constraints, moving statistics) traced
 * once per batch size and run per batch, the model's inference forward pass pooled per batch size, and
 * the gradient programs of {@link #lossGradients}. Weights and optimizer slots live in ND4J arrays in
 * Keras layout and names, so {@link #weights()} and {@link #optimizerState()} copy without reordering.
 * The engine owns every native array it uses and frees them in {@link #close()}.
 *
 * <p>Threads: {@link #predict}, {@link #weights()} and {@link #optimizerState()} run on many threads at
 * once. A training step, {@link #lossGradients} (which draws dropout masks and shares programs),
 * {@link #setWeights}, {@link #setOptimizerState} and {@link #close()} change arrays in place or free
 * them, so each waits for the calls in flight and holds the others off until it is done: a prediction
 * during {@code fit} sees the weights between two whole steps, never half a step or freed memory.
 */
final class Dl4jEngine implements ModelEngine {
    private static final int PROGRAMS_KEPT = 2;

    private final Network model;
    private final CompileOptions options;
    private final long seed;
    /** Weights, then optimizer slots: every variable the programs read and assign. */
    private final Map<String, INDArray> variables = new LinkedHashMap<>();
    private final List<TrainingStep.Slot> slots;
    /** One generator per random stream, seeded from the engine's seed, shared by all programs. */
    private final Map<Integer, Random> generators = new HashMap<>();
    private final Map<Integer, TrainingProgram> trainingPrograms = programCache();
    private final Map<List<Integer>, GradientProgram> gradientPrograms = programCache();
    /** Inference programs no call is using, the most recently given back first; guarded by itself. */
    private final Deque<InferenceProgram> idleInferencePrograms = new ArrayDeque<>();
    private int inferenceProgramsInUse;
    /** As many idle inference programs are kept as calls ever ran at once, at least {@value #PROGRAMS_KEPT}. */
    private int idleInferenceProgramsKept = PROGRAMS_KEPT;
    private long iterations;
    /** Read: calls that only read the arrays. Write: calls that change or free them. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    Dl4jEngine(EngineRequest request) {
        this.model = request.model();
        this.options = request.training().orElse(null);
        this.seed = request.seed();
        this.slots = options == null ? List.of() : TrainingStep.slots(model, options.optimizer());
        try {
            for (ModelWeight weight : model.weights()) {
                variables.put(weight.key(), NdArrays.create(request.weights().get(weight.key())));
            }
            for (TrainingStep.Slot slot : slots) {
                variables.put(slot.name(), Nd4j.zeros(DataType.FLOAT, longs(slot.shape())));
            }
        } catch (RuntimeException e) {
            variables.values().forEach(INDArray::close);
            throw e;
        }
    }

    private static <K, V extends AutoCloseable> Map<K, V> programCache() {
        return new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                if (size() > PROGRAMS_KEPT) {
                    closeQuietly(eldest.getValue());
                    return true;
                }
                return false;
            }
        };
    }

    @Override
    public BatchResult trainOnBatch(Batch batch) {
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            checkOpen();
            requireTraining();
            if (!batch.imageShape().equals(model.inputShape())) {
                throw new IllegalArgumentException("Batch images have shape " + batch.imageShape() + " but model '"
                        + model.name() + "' takes " + model.inputShape());
            }
            int classes = model.outputShape().size();
            if (model.outputShape().rank() != 1 || batch.numClasses() != classes) {
                throw new IllegalArgumentException("Batch has " + batch.numClasses() + " classes, model '"
                        + model.name() + "' outputs " + model.outputShape());
            }
            TrainingProgram program = trainingPrograms.get(batch.size());
            if (program == null) {
                program = new TrainingProgram(batch.size());
                trainingPrograms.put(batch.size(), program);
            }
            program.images.data().setData(batch.images());
            program.labels.data().setData(batch.oneHot());
            program.ops.setHyperparameters(options.optimizer().hyperparameters(iterations));
            run(program.ops, "training model '" + model.name() + "' on a batch of " + batch.size());
            iterations++;
            return new BatchResult(program.outputs.loss().getDouble(0), (int) program.outputs.correct().getDouble(0),
                    batch.size());
        } finally {
            writing.unlock();
        }
    }

    @Override
    public float[] predict(float[] images, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("predict needs at least one image, got count " + count);
        }
        Lock reading = lock.readLock();
        reading.lock();
        try {
            checkOpen();
            InferenceProgram program = takeInferenceProgram(count);
            try {
                load(program.images, images, count);
                run(program.ops, "predicting " + count + " images with model '" + model.name() + "'");
                return NdArrays.toFloats(program.output);
            } finally {
                giveBack(program);
            }
        } finally {
            reading.unlock();
        }
    }

    @Override
    public LossGradients lossGradients(float[] images, int count, float[] outputWeights, boolean training) {
        if (count <= 0) {
            throw new IllegalArgumentException("lossGradients needs at least one image, got count " + count);
        }
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            checkOpen();
            requireTraining();
            List<Integer> key = List.of(count, training ? 1 : 0);
            GradientProgram program = gradientPrograms.get(key);
            if (program == null) {
                program = new GradientProgram(count, training);
                gradientPrograms.put(key, program);
            }
            load(program.images, images, count);
            if (outputWeights.length != program.outputWeights.length()) {
                throw new IllegalArgumentException("Expected " + program.outputWeights.length()
                        + " output weights (" + count + " x " + model.outputShape() + "), got " + outputWeights.length);
            }
            program.outputWeights.data().setData(outputWeights);
            run(program.ops, "computing gradients of model '" + model.name() + "'");
            Weights.Builder weightGradients = Weights.builder();
            for (int i = 0; i < program.trainable.size(); i++) {
                weightGradients.put(program.trainable.get(i), NdArrays.toTensor(program.gradients.get(i + 1)));
            }
            return new LossGradients(NdArrays.toFloats(program.output), NdArrays.toFloats(program.gradients.get(0)),
                    weightGradients.build());
        } finally {
            writing.unlock();
        }
    }

    /**
     * Runs a traced program. Its inputs are checked before, so whatever fails inside is libnd4j failing:
     * the SPI's {@link EngineException}, naming what the engine was doing.
     */
    private static void run(Dl4jOps program, String doing) {
        try {
            program.run();
        } catch (RuntimeException e) {
            throw new EngineException(Dl4jBackend.NAME, doing, e);
        }
    }

    private void load(INDArray target, float[] images, int count) {
        if (images.length != target.length()) {
            throw new IllegalArgumentException("Expected " + count + " images of " + model.inputShape() + " = "
                    + target.length() + " floats, got " + images.length);
        }
        target.data().setData(images);
    }

    private InferenceProgram takeInferenceProgram(int size) {
        synchronized (idleInferencePrograms) {
            inferenceProgramsInUse++;
            idleInferenceProgramsKept = Math.max(idleInferenceProgramsKept, inferenceProgramsInUse);
            for (Iterator<InferenceProgram> it = idleInferencePrograms.iterator(); it.hasNext();) {
                InferenceProgram program = it.next();
                if (program.size == size) {
                    it.remove();
                    return program;
                }
            }
        }
        // Built outside the lock: other threads go on predicting while this one traces and allocates.
        try {
            return new InferenceProgram(size);
        } catch (RuntimeException e) {
            synchronized (idleInferencePrograms) {
                inferenceProgramsInUse--;
            }
            throw e;
        }
    }

    private void giveBack(InferenceProgram program) {
        synchronized (idleInferencePrograms) {
            inferenceProgramsInUse--;
            idleInferencePrograms.addFirst(program);
            while (idleInferencePrograms.size() > idleInferenceProgramsKept) {
                idleInferencePrograms.removeLast().close();
            }
        }
    }

    /** Stream {@code stream}'s generator; only training and gradient programs, under the write lock, draw. */
    private Random generator(int stream) {
        return generators.computeIfAbsent(stream, s -> Nd4j.getRandomFactory().getNewRandomInstance(seed + s));
    }

    private long[] batchShape(int count, Shape example) {
        long[] shape = new long[example.rank() + 1];
        shape[0] = count;
        for (int i = 0; i < example.rank(); i++) {
            shape[i + 1] = example.dim(i);
        }
        return shape;
    }

    @Override
    public Weights weights() {
        Lock reading = lock.readLock();
        reading.lock();
        try {
            checkOpen();
            Weights.Builder builder = Weights.builder();
            for (ModelWeight weight : model.weights()) {
                builder.put(weight.key(), NdArrays.toTensor(variables.get(weight.key())));
            }
            return builder.build();
        } finally {
            reading.unlock();
        }
    }

    @Override
    public void setWeights(Weights newWeights) {
        model.requireCompatible(newWeights, "setWeights");
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            checkOpen();
            for (ModelWeight weight : model.weights()) {
                NdArrays.copyInto(newWeights.get(weight.key()), variables.get(weight.key()));
            }
        } finally {
            writing.unlock();
        }
    }

    @Override
    public OptimizerState optimizerState() {
        Lock reading = lock.readLock();
        reading.lock();
        try {
            checkOpen();
            requireTraining();
            Weights.Builder builder = Weights.builder();
            for (TrainingStep.Slot slot : slots) {
                builder.put(slot.name(), NdArrays.toTensor(variables.get(slot.name())));
            }
            return new OptimizerState(iterations, builder.build());
        } finally {
            reading.unlock();
        }
    }

    @Override
    public void setOptimizerState(OptimizerState state) {
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            checkOpen();
            requireTraining();
            List<String> problems = new ArrayList<>();
            for (TrainingStep.Slot slot : slots) {
                if (!state.slots().contains(slot.name())) {
                    problems.add("missing " + slot.name());
                } else if (!Arrays.equals(state.slots().get(slot.name()).shape(), slot.shape())) {
                    problems.add(slot.name() + " has shape " + Arrays.toString(state.slots().get(slot.name()).shape())
                            + ", expected " + Arrays.toString(slot.shape()));
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("Optimizer state does not fit model '" + model.name() + "' with "
                        + options.optimizer().kerasName() + ": " + String.join("; ", problems));
            }
            for (TrainingStep.Slot slot : slots) {
                NdArrays.copyInto(state.slots().get(slot.name()), variables.get(slot.name()));
            }
            iterations = state.iterations();
        } finally {
            writing.unlock();
        }
    }

    private void requireTraining() {
        if (options == null) {
            throw new IllegalStateException("Engine for model '" + model.name() + "' was built for inference only");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The dl4j engine for model '" + model.name() + "' is closed");
        }
    }

    @Override
    public void close() {
        Lock writing = lock.writeLock();
        writing.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            trainingPrograms.values().forEach(TrainingProgram::close);
            trainingPrograms.clear();
            gradientPrograms.values().forEach(GradientProgram::close);
            gradientPrograms.clear();
            synchronized (idleInferencePrograms) {
                idleInferencePrograms.forEach(InferenceProgram::close);
                idleInferencePrograms.clear();
            }
            generators.values().forEach(Dl4jEngine::closeQuietly);
            generators.clear();
            variables.values().forEach(INDArray::close);
        } finally {
            writing.unlock();
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            throw new IllegalStateException("Could not close " + resource, e);
        }
    }

    private static long[] longs(int[] values) {
        return Arrays.stream(values).asLongStream().toArray();
    }

    /** The training step traced for one batch size. */
    private final class TrainingProgram implements AutoCloseable {
        final Dl4jOps ops = new Dl4jOps(variables, Dl4jEngine.this::generator, true);
        final INDArray images;
        final INDArray labels;
        final TrainingStep.Outputs<INDArray> outputs;

        TrainingProgram(int size) {
            try {
                images = ops.input(batchShape(size, model.inputShape()));
                labels = ops.input(batchShape(size, model.outputShape()));
                outputs = TrainingStep.build(ops, model, options, images, labels);
            } catch (RuntimeException e) {
                ops.close();
                throw e;
            }
        }

        @Override
        public void close() {
            ops.close();
        }
    }

    /**
     * The model's forward pass in inference mode for one batch size, overwriting arrays nothing reads
     * afterwards (traced twice: once to plan, once to run); serves one call at a time.
     */
    private final class InferenceProgram implements AutoCloseable {
        final int size;
        final Dl4jOps ops;
        final INDArray images;
        final INDArray output;

        InferenceProgram(int size) {
            this.size = size;
            Map<Integer, Integer> plan;
            try (Dl4jOps planning = new Dl4jOps(variables, Dl4jEngine.this::generator, false)) {
                INDArray input = planning.input(batchShape(size, model.inputShape()));
                planning.keep(model.call(planning, input, false).output());
                plan = planning.overwritePlan();
            }
            ops = new Dl4jOps(variables, Dl4jEngine.this::generator, false, plan);
            try {
                images = ops.input(batchShape(size, model.inputShape()));
                output = model.call(ops, images, false).output();
            } catch (RuntimeException e) {
                ops.close();
                throw e;
            }
        }

        @Override
        public void close() {
            ops.close();
        }
    }

    /**
     * The gradients of {@code sum(output * outputWeights)} for one batch size and mode: the images'
     * first, then each trainable weight's. Its assignments (moving statistics) are computed, never kept.
     */
    private final class GradientProgram implements AutoCloseable {
        final Dl4jOps ops = new Dl4jOps(variables, Dl4jEngine.this::generator, false);
        final INDArray images;
        final INDArray outputWeights;
        final INDArray output;
        final List<String> trainable = new ArrayList<>();
        final List<INDArray> gradients;

        GradientProgram(int size, boolean training) {
            try {
                images = ops.input(batchShape(size, model.inputShape()));
                output = model.call(ops, images, training).output();
                outputWeights = ops.input(output.shape());
                int[] everyAxis = new int[output.rank()];
                for (int i = 0; i < everyAxis.length; i++) {
                    everyAxis[i] = i;
                }
                INDArray loss = ops.sum(ops.multiply(output, outputWeights), everyAxis, false);
                List<INDArray> sources = new ArrayList<>(List.of(images));
                for (ModelWeight weight : model.weights()) {
                    if (weight.spec().trainable()) {
                        trainable.add(weight.key());
                        sources.add(ops.read(weight.key()));
                    }
                }
                gradients = ops.gradients(loss, sources);
            } catch (RuntimeException e) {
                ops.close();
                throw e;
            }
        }

        @Override
        public void close() {
            ops.close();
        }
    }
}
