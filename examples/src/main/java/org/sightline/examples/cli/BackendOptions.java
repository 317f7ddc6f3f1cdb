package org.sightline.examples.cli;

import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import org.sightline.spi.Device;
import picocli.CommandLine.Option;

/** The {@code --backend} and {@code --device} options. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "tensorflow, dl4j or onnx (see `sightline backends`). Default: the system property "
                    + "sightline.backend, else SIGHTLINE_BACKEND, else the highest-ranked capable backend.")
    String backend;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    Backend backend(Capability needed) {
        return backend == null ? Backends.defaultBackend(needed) : Backends.get(backend);
    }

    Device device() {
        return Device.parse(device);
    }
}
