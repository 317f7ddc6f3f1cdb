package org.sightline.dl4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts ND4J's native backend once, on first use, with float32 as its default type. Before loading
 * it picks the libnd4j build: JavaCPP loads the first of the {@code nd4j-native} classifiers it finds
 * on the class path ({@code -onednn} before {@code -onednn-avx512}), so when the AVX-512 build is
 * there too and this CPU has AVX-512 it is named explicitly. The generic oneDNN build, the default
 * dependency, runs on any x86-64 CPU; oneDNN itself chooses AVX2 or AVX-512 kernels at run time.
 */
final class NativeRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(NativeRuntime.class);
    static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    private static final String AVX512_BUILD = "-onednn-avx512";
    private static final String LIBRARY = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64%s/libnd4jcpu.so";
    private static boolean started;

    private NativeRuntime() {
    }

    static synchronized void start() {
        if (started) {
            return;
        }
        chooseBuild(System.getProperty(EXTENSION_PROPERTY), cpuFlags(),
                NativeRuntime.class.getClassLoader().getResource(String.format(LIBRARY, AVX512_BUILD)) != null)
                .ifPresent(extension -> System.setProperty(EXTENSION_PROPERTY, extension));
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        LOG.info("ND4J started: {} backend, libnd4j build '{}', {} threads, helpers {}",
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"),
                System.getProperty(EXTENSION_PROPERTY, "first found"), Nd4j.getEnvironment().maxThreads(),
                Nd4j.getEnvironment().helpersAllowed() ? "on" : "off");
        started = true;
    }

    /**
     * The JavaCPP platform extension to set, if any: the AVX-512 oneDNN build when it is on the class
     * path and the CPU has AVX-512F, unless the user already chose one.
     */
    static Optional<String> chooseBuild(String userChoice, String cpuFlags, boolean avx512BuildPresent) {
        if (userChoice != null && !userChoice.isBlank()) {
            return Optional.empty();
        }
        boolean avx512 = (" " + cpuFlags + " ").contains(" avx512f ");
        return avx512 && avx512BuildPresent ? Optional.of(AVX512_BUILD) : Optional.empty();
    }

    /** The "flags" line of /proc/cpuinfo, or "" where there is none. */
    private static String cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("");
        } catch (IOException | RuntimeException e) {
            LOG.debug("Cannot read CPU flags; using the default libnd4j build", e);
            return "";
        }
    }
}
