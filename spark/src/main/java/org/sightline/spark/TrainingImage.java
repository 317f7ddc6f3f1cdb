package org.sightline.spark;

import java.io.Serializable;

/**
 * One training record as it lives in Spark: its position in the training set (so a partition's images
 * are put back in one order whatever order Spark delivers them in), its label and its NHWC uint8 pixels.
 */
record TrainingImage(int index, int label, byte[] pixels) implements Serializable {
}
