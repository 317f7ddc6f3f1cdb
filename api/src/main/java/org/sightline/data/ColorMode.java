package org.sightline.data;

/**
 * How decoded images are turned into channels, as Keras's {@code color_mode}: {@code RGB} keeps
 * three channels (grayscale files are repeated into all three), {@code GRAYSCALE} keeps one
 * (colour files are converted with the ITU-R 601 luma weights 0.299, 0.587, 0.114, as PIL does).
 * Alpha is dropped, not composited.
 */
public enum ColorMode {
    RGB(3),
    GRAYSCALE(1);

    private final int channels;

    ColorMode(int channels) {
        this.channels = channels;
    }

    /** Number of channels of an image in this mode. */
    public int channels() {
        return channels;
    }
}
