package org.sightline.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One step of a {@link Network} pass, sized for one batch: it reads {@code input} (the previous
 * step's output, not its own), writes {@code output} in {@link #forward}, and in a training pass turns
 * the gradient at its output into the gradient at its input (and at its weights) in {@link #backward}.
 * Every array a step allocates is listed in {@link #owned} and closed with it, so a pass allocates
 * once per batch size and then reuses its arrays step after step, as a workspace would.
 */
abstract class Stage implements AutoCloseable {
    protected final INDArray input;
    protected INDArray output;
    /** Gradient of the loss at {@link #input}; allocated by {@link #prepareBackward} in training passes. */
    protected INDArray inputGradient;
    /** Gradient of the loss at {@link #output}: the next step's input gradient. */
    protected INDArray outputGradient;
    private final List<INDArray> owned = new ArrayList<>();

    Stage(INDArray input) {
        this.input = input;
    }

    INDArray output() {
        return output;
    }

    INDArray inputGradient() {
        return inputGradient;
    }

    abstract void forward(boolean training);

    /** Computes {@link #inputGradient} (and weight gradients) from {@link #outputGradient}. */
    abstract void backward();

    /** Wires the gradient at the output and allocates the one at the input. */
    void prepareBackward(INDArray gradientAtOutput) {
        this.outputGradient = gradientAtOutput;
        this.inputGradient = own(input.ulike());
    }

    /** Allocates an array of {@code shape}; closed with this step. */
    protected final INDArray allocate(long... shape) {
        return own(Nd4j.createUninitialized(input.dataType(), shape));
    }

    protected final INDArray own(INDArray array) {
        owned.add(array);
        return array;
    }

    /** Runs libnd4j's custom op {@code name}, which picks its oneDNN implementation where it has one. */
    static void exec(String name, INDArray[] inputs, INDArray[] outputs, int[] intArgs, double... floatArgs) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder(name).addInputs(inputs)
                .addOutputs(outputs);
        if (intArgs.length > 0) {
            op.addIntegerArguments(intArgs);
        }
        if (floatArgs.length > 0) {
            op.addFloatingPointArguments(java.util.Arrays.stream(floatArgs).boxed().toArray(Double[]::new));
        }
        Nd4j.exec(op.build());
    }

    static long[] withBatch(int batchSize, long[] exampleShape) {
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = batchSize;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        return shape;
    }

    @Override
    public void close() {
        owned.forEach(INDArray::close);
        owned.clear();
    }
}
