package org.sightline.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.TanhDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.sightline.model.ActivationFunction;

/**
 * An activation function (never linear: that needs no step). Softmax is over the channel axis, Keras's
 * last axis. Inference passes run it in place: nothing reads the input afterwards.
 */
final class ActivationStage extends Stage {
    private final ActivationFunction function;
    private final int axis;

    ActivationStage(INDArray input, ActivationFunction function, int axis, boolean training) {
        super(input);
        if (function == ActivationFunction.LINEAR) {
            throw new IllegalArgumentException("a linear activation needs no stage");
        }
        this.function = function;
        this.axis = axis;
        this.output = training ? allocate(input.shape()) : input;
    }

    ActivationFunction function() {
        return function;
    }

    @Override
    void forward(boolean training) {
        switch (function) {
            case RELU -> Nd4j.exec(new RectifiedLinear(input, output, 0.0));
            case SIGMOID -> Nd4j.exec(new Sigmoid(input, output));
            case TANH -> Nd4j.exec(new Tanh(input, output));
            case SOFTMAX -> Nd4j.exec(new SoftMax(input, output, axis));
            case LINEAR -> throw new IllegalStateException("unreachable");
        }
    }

    @Override
    void backward() {
        switch (function) {
            case RELU -> Nd4j.exec(new RectifiedLinearDerivative(input, outputGradient, inputGradient, 0.0));
            case SIGMOID -> Nd4j.exec(new SigmoidDerivative(input, outputGradient, inputGradient));
            case TANH -> Nd4j.exec(new TanhDerivative(input, outputGradient, inputGradient));
            case SOFTMAX -> Nd4j.exec(new SoftmaxBp(input, outputGradient, inputGradient, axis));
            case LINEAR -> throw new IllegalStateException("unreachable");
        }
    }
}
