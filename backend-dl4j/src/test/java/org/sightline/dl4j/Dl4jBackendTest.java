package org.sightline.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.sightline.model.ReferenceModels;
import org.sightline.model.Sequential;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import org.sightline.spi.EngineRequest;
import org.sightline.spi.UnsupportedCapabilityException;
import org.sightline.compile.CompileOptions;

class Dl4jBackendTest {

    @Test
    void describesItself() {
        Backend backend = new Dl4jBackend();
        assertEquals("dl4j", backend.name());
        assertEquals(50, backend.rank());
        assertEquals(EnumSet.of(Capability.TRAIN, Capability.INFER, Capability.FLAT_INPUT), backend.capabilities());
    }

    @Test
    void isFoundByServiceLoader() {
        assertInstanceOf(Dl4jBackend.class, Backends.get("dl4j"));
    }

    @Test
    void refusesGpuBeforeLoadingAnything() {
        Sequential model = ReferenceModels.smallCnn(org.sightline.model.Shape.image(8, 8, 1), 3);
        EngineRequest request = EngineRequest.training(model, model.initialWeights(1), CompileOptions.reference(),
                Device.gpu(0), 1);
        UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                () -> new Dl4jBackend().createEngine(request));
        assertTrue(e.getMessage().contains("GPU"), e.getMessage());
    }

    /** Discovery and description must not load ND4J: its native library is loaded by createEngine only. */
    @Test
    void loadsNoNativeCodeUntilAnEngineIsCreated() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        try (IsolatedLoader loader = new IsolatedLoader(urls.toArray(URL[]::new))) {
            Class<?> spi = loader.loadClass(Backend.class.getName());
            List<String> described = new ArrayList<>();
            for (Object found : ServiceLoader.load(spi, loader)) {
                described.add(spi.getMethod("name").invoke(found) + " " + spi.getMethod("capabilities").invoke(found));
            }
            assertTrue(described.contains("dl4j [TRAIN, INFER, FLAT_INPUT]"), "found " + described);
            assertFalse(loader.loaded("org.nd4j.linalg.factory.Nd4j"), "ND4J was loaded by discovery");
            assertFalse(loader.loaded("org.sightline.dl4j.NativeRuntime"), "the native runtime was touched");
            assertTrue(loader.loaded("org.sightline.dl4j.Dl4jBackend"), "the probe should have loaded the backend");
        }
    }

    /** A class loader that loads the project's classes itself, so what it loaded can be asked. */
    private static final class IsolatedLoader extends URLClassLoader {
        IsolatedLoader(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }
}
