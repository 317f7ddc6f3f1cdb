package org.sightline.tensorflow;

import java.util.Locale;

/**
 * Which TensorFlow natives are on the class path, found by their resource folders. Deliberately
 * free of TensorFlow types, so that asking loads nothing native.
 */
final class TensorFlowNatives {
    private static final String NATIVES_ROOT = "org/tensorflow/internal/c_api/";

    private TensorFlowNatives() {
    }

    /** JavaCPP's name of this machine's platform, e.g. {@code linux-x86_64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.startsWith("mac") || os.startsWith("darwin") ? "macosx"
                : os.startsWith("windows") ? "windows" : os.startsWith("linux") ? "linux" : os;
        String archName = switch (arch) {
            case "amd64", "x86_64", "x86-64" -> "x86_64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return osName + "-" + archName;
    }

    /** Whether the GPU build ({@code tensorflow-core-native} classifier {@code <platform>-gpu}) is there. */
    static boolean gpuPresent(ClassLoader loader) {
        return loader.getResource(NATIVES_ROOT + platform() + "-gpu/") != null;
    }

    /** The classifier of the GPU natives for this platform, for error messages. */
    static String gpuClassifier() {
        return platform() + "-gpu";
    }
}
