package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.sightline.model.Constraint;
import org.sightline.model.MaxNorm;

/** Keras's kernel constraints, applied in place after each optimizer step. */
final class WeightConstraints {
    /** Keras's {@code backend.epsilon()}, which MaxNorm adds to the norm before dividing. */
    private static final double KERAS_EPSILON = 1e-7;

    private WeightConstraints() {
    }

    /**
     * Applies {@code constraint} to {@code weight} (Keras layout). For MaxNorm this is Keras's formula
     * exactly: {@code w * clip(norm, 0, max) / (eps + norm)}, the norm taken over the constraint's axes,
     * so on a Dense kernel {@code [in, out]} with axis 0 each output unit's incoming weights are bounded.
     */
    static void apply(Constraint constraint, INDArray weight) {
        if (!(constraint instanceof MaxNorm maxNorm)) {
            return;
        }
        for (int axis : maxNorm.axes()) {
            if (axis >= weight.rank()) {
                throw new IllegalArgumentException("MaxNorm axis " + axis + " does not exist in a weight of rank "
                        + weight.rank());
            }
        }
        try (INDArray norms = weight.norm2(true, maxNorm.axes());
                INDArray desired = Transforms.min(norms, maxNorm.maxValue(), true);
                INDArray denominator = norms.add(KERAS_EPSILON)) {
            desired.divi(denominator);
            Nd4j.exec(new MulOp(weight, desired, weight));
        }
    }
}
