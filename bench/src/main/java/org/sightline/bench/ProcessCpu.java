package org.sightline.bench;

import java.lang.management.ManagementFactory;

/**
 * This process's CPU time, all threads. On a shared machine it moves far less with the load than wall
 * time does, so benchmarks report it beside their medians.
 */
public final class ProcessCpu {

    private ProcessCpu() {
    }

    /** CPU nanoseconds this process has used; 0 where the JVM cannot tell. */
    public static long nanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }
}
