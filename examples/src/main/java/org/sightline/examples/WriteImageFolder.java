package org.sightline.examples;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.sightline.data.Cifar10;
import org.sightline.data.ImageDataset;

/**
 * Writes CIFAR-10's test images as PNG files in one sub-folder per class, the layout that
 * {@code --dataset folder:DIR}, {@code sightline predict} and {@code sightline spark predict|evaluate}
 * read: a way to try the folder and image-file paths on real pictures, and the input of the Spark
 * measurements in docs/scaling.md.
 *
 * <pre>
 * java -cp ... org.sightline.examples.WriteImageFolder cifar-10-binary.tar.gz runs/cifar10-test-png [count]
 * </pre>
 */
public final class WriteImageFolder {
    private WriteImageFolder() {
    }

    public static void main(String[] args) throws IOException {
        ImageDataset test = Cifar10.load(Path.of(args[0])).test();
        Path folder = Path.of(args[1]);
        int count = args.length > 2 ? Integer.parseInt(args[2]) : test.size();
        int height = test.imageShape().height();
        int width = test.imageShape().width();
        byte[] pixels = new byte[test.imageShape().size()];
        for (int i = 0; i < count; i++) {
            test.copyImage(i, pixels, 0);
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int p = 0; p < height * width; p++) {
                int rgb = (pixels[3 * p] & 0xFF) << 16 | (pixels[3 * p + 1] & 0xFF) << 8 | (pixels[3 * p + 2] & 0xFF);
                image.setRGB(p % width, p / width, rgb);
            }
            Path file = folder.resolve(test.classNames().get(test.label(i))).resolve(String.format("%05d.png", i));
            Files.createDirectories(file.getParent());
            ImageIO.write(image, "png", file.toFile());
        }
        System.out.printf("Wrote %,d PNG images of %s to %s%n", count, test.imageShape(), folder);
    }
}
