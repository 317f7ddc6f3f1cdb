package org.sightline.ops;

import java.util.List;

/**
 * Operations of a backend that trains: {@link Ops} plus reverse-mode differentiation. TensorFlow
 * differentiates its graph, libnd4j runs its backward operations over a tape, and the test-jar's
 * reference does both by hand on float arrays.
 *
 * @param <T> the backend's tensor
 */
public interface TrainingOps<T> extends Ops<T> {

    /**
     * The gradient of scalar {@code loss} with respect to each of {@code sources}: tensors from
     * {@link #read} or the inputs the backend gave the computation. A source the loss does not depend
     * on gets zeros.
     */
    List<T> gradients(T loss, List<T> sources);
}
