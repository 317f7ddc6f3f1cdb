package org.sightline.inference;

import java.util.Optional;
import org.sightline.model.Shape;

/**
 * An image whose size differs from the model's input, given to a {@link Predictor} that does not
 * resize. Callers can offer resizing in their own words (the CLI's {@code --resize}).
 */
public final class ImageSizeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Optional<String> image;
    private final int height;
    private final int width;
    private final transient Shape modelInput;

    public ImageSizeException(Optional<String> image, int height, int width, Shape modelInput) {
        super(image.map(name -> "Image " + name).orElse("The image") + " is " + height + "x" + width
                + " but the model takes " + modelInput.height() + "x" + modelInput.width() + " images");
        this.image = image;
        this.height = height;
        this.width = width;
        this.modelInput = modelInput;
    }

    /** The image file, when the image came from one. */
    public Optional<String> image() {
        return image;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** The model's input shape. */
    public Shape modelInput() {
        return modelInput;
    }
}
