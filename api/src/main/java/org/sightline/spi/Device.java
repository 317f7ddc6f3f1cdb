package org.sightline.spi;

import java.util.Locale;

/**
 * Where a backend runs its model: the CPU, or a GPU by index.
 *
 * <pre>{@code
 * Device.parse("gpu:0")
 * }</pre>
 */
public record Device(Kind kind, int index) {

    /** Kinds of device. */
    public enum Kind { CPU, GPU }

    public Device {
        if (kind == Kind.CPU && index != 0) {
            throw new IllegalArgumentException("Device.index must be 0 for the CPU, got " + index);
        }
        if (index < 0) {
            throw new IllegalArgumentException("Device.index must be >= 0, got " + index);
        }
    }

    public static Device cpu() {
        return new Device(Kind.CPU, 0);
    }

    public static Device gpu(int index) {
        return new Device(Kind.GPU, index);
    }

    /** Parses {@code cpu}, {@code gpu} or {@code gpu:N}. */
    public static Device parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return cpu();
        }
        if (t.equals("gpu")) {
            return gpu(0);
        }
        if (t.startsWith("gpu:")) {
            try {
                return gpu(Integer.parseInt(t.substring(4)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Bad GPU index in device '" + text + "'", e);
            }
        }
        throw new IllegalArgumentException("Unknown device '" + text + "', expected cpu, gpu or gpu:N");
    }

    public boolean isGpu() {
        return kind == Kind.GPU;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "gpu:" + index;
    }
}
