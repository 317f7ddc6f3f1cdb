package org.sightline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sightline.model.Conv2D;
import org.sightline.model.Dense;
import org.sightline.model.Flatten;
import org.sightline.model.Padding;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.model.Shape;

class NetworkFlopsTest {

    /**
     * By hand, 2·H·W·Cout·3·3·Cin per convolution on its output's H×W, 2·in·out per dense layer:
     * 32×32: 3→32 (1,769,472) and 32→64 (37,748,736); pool to 16×16: 64→64 (18,874,368); pool to 8×8:
     * 64→128 (9,437,184); dense 8192→256 (4,194,304), 256→128 (65,536), 128→10 (2,560).
     */
    @Test
    void referenceCnnIsSeventyTwoMegaflopsPerImageAndThreeTimesThatToTrain() {
        long byHand = 1_769_472L + 37_748_736 + 18_874_368 + 9_437_184 + 4_194_304 + 65_536 + 2_560;
        assertEquals(72_092_160L, byHand);
        assertEquals(byHand, NetworkFlops.inference(ReferenceModels.cifar10Cnn()));
        assertEquals(3 * byHand, NetworkFlops.training(ReferenceModels.cifar10Cnn()));
    }

    @Test
    void stridesGroupsAndValidPaddingShrinkTheCount() {
        // 8×8×4 input, 3×3 kernel, stride 2, 'valid': a 3×3 output; 2 groups see 2 input channels each.
        Sequential model = Sequential.of(Shape.image(8, 8, 4),
                Conv2D.of(6, 3).withStrides(2, 2).withGroups(2), Flatten.of(), Dense.of(5));
        assertEquals(2L * 3 * 3 * 6 * 3 * 3 * 2 + 2L * (3 * 3 * 6) * 5, NetworkFlops.inference(model));
    }

    @Test
    void resnet20CountsItsShortcutConvolutionsThroughTheFunctionalGraph() {
        long convolutions = 2L * 32 * 32 * 16 * 9 * 3                  // stem
                + 6 * 2L * 32 * 32 * 16 * 9 * 16                        // stage 1: 3 blocks × 2 convs
                + 2L * 16 * 16 * 32 * 9 * 16 + 5 * 2L * 16 * 16 * 32 * 9 * 32 + 2L * 16 * 16 * 32 * 16
                + 2L * 8 * 8 * 64 * 9 * 32 + 5 * 2L * 8 * 8 * 64 * 9 * 64 + 2L * 8 * 8 * 64 * 32;
        assertEquals(convolutions + 2L * 64 * 10,
                NetworkFlops.inference(ReferenceModels.resnet20(Shape.image(32, 32, 3), 10)));
        assertEquals(2L * 4 * 4 * 8 * 9 * 3, NetworkFlops.inference(Sequential.of(Shape.image(4, 4, 3),
                Conv2D.of(8, 3).withPadding(Padding.SAME))));
    }
}
