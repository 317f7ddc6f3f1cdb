package org.sightline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.model.Shape;

class TrainTestSplitTest {
    private static ImageDataset one(Shape shape, List<String> classes) {
        return new ImageDataset(shape, new byte[shape.size()], new int[1], classes);
    }

    @Test
    void sharesShapeAndClassNames() {
        TrainTestSplit split = new TrainTestSplit(one(Shape.image(2, 2, 1), List.of("a", "b")),
                one(Shape.image(2, 2, 1), List.of("a", "b")));
        assertEquals(Shape.image(2, 2, 1), split.imageShape());
        assertEquals(List.of("a", "b"), split.classNames());
    }

    @Test
    void rejectsPartsThatDoNotMatch() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> new TrainTestSplit(
                one(Shape.image(2, 2, 1), List.of("a")), one(Shape.image(2, 2, 3), List.of("a"))));
        assertTrue(shape.getMessage().contains("(None, 2, 2, 3)"), shape.getMessage());
        IllegalArgumentException classes = assertThrows(IllegalArgumentException.class, () -> new TrainTestSplit(
                one(Shape.image(2, 2, 1), List.of("a", "b")), one(Shape.image(2, 2, 1), List.of("b", "a"))));
        assertTrue(classes.getMessage().contains("[b, a]"), classes.getMessage());
        assertThrows(NullPointerException.class, () -> new TrainTestSplit(null, one(Shape.image(1, 1, 1),
                List.of("a"))));
    }
}
