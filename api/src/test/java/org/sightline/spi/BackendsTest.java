package org.sightline.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void findsBackendsThroughServiceLoader() {
        assertTrue(Backends.available().stream().anyMatch(b -> b.name().equals("linear-test")));
        assertEquals("linear-test", Backends.get("LINEAR-TEST").name());
    }

    @Test
    void unknownNameListsAvailableBackends() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get("torch"));
        assertTrue(e.getMessage().startsWith("Unknown backend 'torch'; available: "), e.getMessage());
        assertTrue(e.getMessage().contains("linear-test"), e.getMessage());
    }

    @Test
    void propertyOverridesEnvironmentWhichOverridesRank() {
        Map<String, String> none = Map.of();
        assertEquals("linear-test", Backends.defaultBackend(Capability.TRAIN, none::get, none::get).name());
        Map<String, String> env = Map.of(Backends.ENV, "nope");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.defaultBackend(Capability.TRAIN, none::get, env::get));
        assertTrue(e.getMessage().contains("'nope'"));
        Map<String, String> property = Map.of(Backends.PROPERTY, "linear-test");
        assertEquals("linear-test", Backends.defaultBackend(Capability.TRAIN, property::get, env::get).name());
    }

    @Test
    void missingCapabilityFailsBeforeWork() {
        Map<String, String> none = Map.of();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backends.defaultBackend(Capability.GPU, none::get, none::get));
        assertTrue(e.getMessage().contains("No backend with capability GPU"), e.getMessage());
        UnsupportedCapabilityException u = assertThrows(UnsupportedCapabilityException.class,
                () -> Backends.get("linear-test").require(Capability.GPU, "run on gpu:0"));
        assertEquals("Backend 'linear-test' cannot run on gpu:0: it lacks capability GPU (it has [TRAIN, INFER])",
                u.getMessage());
    }

    @Test
    void devicesParse() {
        assertEquals(Device.cpu(), Device.parse("CPU"));
        assertEquals(Device.gpu(1), Device.parse("gpu:1"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
    }
}
