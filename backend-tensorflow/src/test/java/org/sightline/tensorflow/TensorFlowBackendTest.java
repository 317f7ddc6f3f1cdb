package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.slf4j.LoggerFactory;

class TensorFlowBackendTest {

    @Test
    void isFoundByNameWithItsRankAndCpuCapabilities() {
        Backend backend = Backends.get("tensorflow");
        assertInstanceOf(TensorFlowBackend.class, backend);
        assertEquals(100, backend.rank());
        // The build puts the CPU natives on the class path, not the GPU ones.
        assertEquals(Set.of(Capability.TRAIN, Capability.INFER, Capability.FLAT_INPUT, Capability.MIXED_BFLOAT16),
                backend.capabilities());
    }

    @Test
    void instantiatingItNeedsNoTensorFlowClasses() throws Exception {
        URL[] path = {codeSource(TensorFlowBackend.class), codeSource(Backend.class), codeSource(LoggerFactory.class)};
        try (URLClassLoader isolated = new URLClassLoader(path, ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> isolated.loadClass("org.tensorflow.TensorFlow"));
            Object backend = isolated.loadClass(TensorFlowBackend.class.getName()).getConstructor().newInstance();
            assertEquals("tensorflow", backend.getClass().getMethod("name").invoke(backend));
            assertEquals(4, ((Set<?>) backend.getClass().getMethod("capabilities").invoke(backend)).size());
        }
    }

    @Test
    void gpuNativesAreDetectedByTheirFolder(@TempDir Path dir) throws Exception {
        try (URLClassLoader without = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            assertFalse(TensorFlowNatives.gpuPresent(without));
        }
        Files.createDirectories(dir.resolve("org/tensorflow/internal/c_api/" + TensorFlowNatives.platform() + "-gpu"));
        try (URLClassLoader with = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            assertTrue(TensorFlowNatives.gpuPresent(with));
        }
    }

    @Test
    void platformNamesFollowJavaCpp() {
        String platform = TensorFlowNatives.platform();
        assertTrue(platform.matches("(linux|macosx|windows)-(x86_64|arm64)") || !platform.contains(" "), platform);
        assertEquals(platform + "-gpu", TensorFlowNatives.gpuClassifier());
    }

    private static URL codeSource(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }
}
