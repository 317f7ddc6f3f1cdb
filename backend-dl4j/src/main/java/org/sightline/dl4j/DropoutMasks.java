package org.sightline.dl4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The dropout masks of a training chain: each value {@code 0} with probability {@code rate}, else
 * {@code 1 / (1 - rate)} (Keras's inverted dropout), drawn from a seeded generator of their own so
 * that a seeded run repeats. Arrays are kept per batch size and refilled in place, as an epoch
 * alternates between the full batch size and its last, smaller batch.
 */
final class DropoutMasks implements AutoCloseable {
    private static final int SIZES_KEPT = 2;
    private final List<NetworkGraph.DropoutMask> specs;
    private final Random random;
    private final Map<Integer, Map<String, INDArray>> bySize = new LinkedHashMap<>();

    DropoutMasks(List<NetworkGraph.DropoutMask> specs, long seed) {
        this.specs = List.copyOf(specs);
        this.random = Nd4j.getRandomFactory().getNewRandomInstance(seed);
    }

    /** Fresh masks for a batch of {@code batchSize}, by placeholder name; valid until the next call. */
    Map<String, INDArray> sample(int batchSize) {
        Map<String, INDArray> arrays = bySize.get(batchSize);
        if (arrays == null) {
            if (bySize.size() == SIZES_KEPT) {
                Integer oldest = bySize.keySet().iterator().next();
                bySize.remove(oldest).values().forEach(INDArray::close);
            }
            arrays = new LinkedHashMap<>();
            for (NetworkGraph.DropoutMask spec : specs) {
                long[] shape = new long[spec.exampleShape().length + 1];
                shape[0] = batchSize;
                System.arraycopy(spec.exampleShape(), 0, shape, 1, spec.exampleShape().length);
                arrays.put(spec.placeholder(), Nd4j.createUninitialized(DataType.FLOAT, shape));
            }
            bySize.put(batchSize, arrays);
        }
        for (NetworkGraph.DropoutMask spec : specs) {
            INDArray mask = arrays.get(spec.placeholder());
            Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, spec.retain()), random);
            mask.muli(1 / spec.retain());
        }
        return arrays;
    }

    @Override
    public void close() {
        bySize.values().forEach(m -> m.values().forEach(INDArray::close));
        bySize.clear();
        try {
            random.close();
        } catch (Exception e) {
            throw new IllegalStateException("Could not close the dropout random generator", e);
        }
    }
}
