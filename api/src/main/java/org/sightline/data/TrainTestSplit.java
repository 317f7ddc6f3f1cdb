package org.sightline.data;

import java.util.List;
import java.util.Objects;
import org.sightline.model.Shape;

/**
 * A dataset's official training and test parts, as Keras's {@code load_data()} returns
 * {@code (x_train, y_train), (x_test, y_test)}. Both parts share image shape and class names.
 *
 * <pre>{@code
 * TrainTestSplit cifar = Cifar10.load(Path.of("cifar-10-binary.tar.gz"));
 * ImageDataset.Split parts = cifar.train().split(0.1, 21L);
 * }</pre>
 *
 * @param train the training images
 * @param test  the held-out test images
 */
public record TrainTestSplit(ImageDataset train, ImageDataset test) {

    public TrainTestSplit {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (!train.imageShape().equals(test.imageShape())) {
            throw new IllegalArgumentException("Training images are " + train.imageShape() + " but test images are "
                    + test.imageShape());
        }
        if (!train.classNames().equals(test.classNames())) {
            throw new IllegalArgumentException("Training classes " + train.classNames() + " differ from test classes "
                    + test.classNames());
        }
    }

    /** The (height, width, channels) of every image of both parts. */
    public Shape imageShape() {
        return train.imageShape();
    }

    /** The class name of each label, shared by both parts. */
    public List<String> classNames() {
        return train.classNames();
    }
}
