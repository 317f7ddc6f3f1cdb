package org.sightline.dl4j;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sightline.data.Cifar10;
import org.sightline.data.TrainTestSplit;

/**
 * The shared CIFAR-10 (JPEG-75 copy) archive, {@code ../shared/datasets} relative to the project
 * root, loaded once per test JVM: the real-data tests of this module all draw subsets from it.
 */
final class SharedCifar10 {
    private static TrainTestSplit loaded;

    private SharedCifar10() {
    }

    /** The archive's images, or the calling test is skipped when the archive is absent. */
    static synchronized TrainTestSplit loadOrSkip() throws IOException {
        if (loaded == null) {
            Path archive = Path.of(System.getProperty("sightline.projectRoot", ".."))
                    .resolve("../shared/datasets/cifar-10-jpeg75-binary.tar.gz").toAbsolutePath().normalize();
            assumeTrue(Files.isRegularFile(archive), "CIFAR-10 archive absent at " + archive
                    + " (../shared/datasets relative to the project root); skipping the real-data test");
            loaded = Cifar10.load(archive);
        }
        return loaded;
    }
}
