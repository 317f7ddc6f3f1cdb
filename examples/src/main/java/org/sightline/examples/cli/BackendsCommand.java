package org.sightline.examples.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.sightline.spi.Backend;
import org.sightline.spi.Backends;
import org.sightline.spi.Capability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Lists the backends found on the class path and what each can do. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List discovered backends and their capabilities.")
final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Backend> backends = Backends.available();
        out.printf("%-12s %5s  %-5s %-5s %-3s  %-14s%n", "backend", "rank", "train", "infer", "gpu", "mixed_bfloat16");
        for (Backend b : backends) {
            out.printf("%-12s %5d  %-5s %-5s %-3s  %-14s%n", b.name(), b.rank(), yes(b, Capability.TRAIN),
                    yes(b, Capability.INFER), yes(b, Capability.GPU), yes(b, Capability.MIXED_BFLOAT16));
        }
        if (!backends.isEmpty()) {
            out.println("default for training: " + safeDefault(Capability.TRAIN) + ", for inference: "
                    + safeDefault(Capability.INFER));
        }
        return 0;
    }

    private static String yes(Backend backend, Capability capability) {
        return backend.can(capability) ? "yes" : "no";
    }

    private static String safeDefault(Capability capability) {
        try {
            return Backends.defaultBackend(capability).name();
        } catch (RuntimeException e) {
            return "none (" + e.getMessage() + ")";
        }
    }
}
