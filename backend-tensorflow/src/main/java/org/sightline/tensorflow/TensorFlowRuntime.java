package org.sightline.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_CloseSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteDeviceList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListCount;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OK;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SessionListDevices;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.sightline.spi.Device;
import org.tensorflow.DeviceSpec;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything about TensorFlow's native runtime that is process-wide: finding its natives without
 * loading them, the JavaCPP memory cap, the session settings, and which devices it sees.
 */
final class TensorFlowRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowRuntime.class);

    /** JavaCPP's cap on the process's resident memory, checked whenever a native tensor is wrapped. */
    static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";
    /** TensorFlow reads it once, when its natives load: oneDNN kernels on x86 CPUs. */
    static final String ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS";
    /**
     * Resident memory TensorFlow needs beyond the Java heap: its runtime (~600 MB), the activations
     * of the reference CNN at batch 256 and, on a GPU machine, the CUDA libraries.
     */
    static final long NATIVE_ALLOWANCE_BYTES = 4L << 30;

    private static boolean started;
    private static boolean bfloat16Checked;

    private TensorFlowRuntime() {
    }

    /**
     * Loads the natives once, first making sure JavaCPP's resident-memory cap leaves room for
     * TensorFlow beside the heap.
     */
    static synchronized void start() {
        if (started) {
            return;
        }
        if (System.getProperty(MAX_PHYSICAL_BYTES) == null) {
            long heap = Runtime.getRuntime().maxMemory();
            long cap = Math.max(4 * heap, heap + NATIVE_ALLOWANCE_BYTES);
            System.setProperty(MAX_PHYSICAL_BYTES, Long.toString(cap));
        }
        String onednn = System.getenv(ONEDNN_ENV);
        if (!"1".equals(onednn)) {
            LOG.warn("{}={} in the environment; set it to 1 before starting the JVM for TensorFlow's fastest CPU "
                    + "kernels (oneDNN)", ONEDNN_ENV, onednn);
        }
        String version = TensorFlow.version();
        long effectiveCap = Pointer.maxPhysicalBytes();
        if (effectiveCap > 0 && effectiveCap < Runtime.getRuntime().maxMemory() + NATIVE_ALLOWANCE_BYTES / 4) {
            LOG.warn("JavaCPP caps resident memory at {} MB (-D{}), little room for TensorFlow beside the heap",
                    effectiveCap >> 20, MAX_PHYSICAL_BYTES);
        }
        LOG.info("TensorFlow {} natives loaded ({}), {}={}, resident memory cap {} MB", version,
                TensorFlowNatives.platform(), ONEDNN_ENV, onednn, effectiveCap >> 20);
        started = true;
    }

    /**
     * Session settings: intra-op threads = cores and one inter-op thread, the consistently fastest
     * setting on CPU; for a GPU, soft placement (ops without a GPU kernel run on the CPU) and memory
     * grown on demand.
     */
    static ConfigProto sessionConfig(Device device) {
        ConfigProto.Builder config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(Runtime.getRuntime().availableProcessors())
                .setInterOpParallelismThreads(1);
        if (device.isGpu()) {
            config.setAllowSoftPlacement(true)
                    .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true).build());
        }
        return config.build();
    }

    /**
     * oneDNN emulates bfloat16 on a CPU without its instructions, slower than float32: says so, once.
     * Linux lists them among the CPU flags as {@code avx512_bf16} or {@code amx_bf16}.
     */
    static synchronized void warnIfBfloat16IsEmulated(Device device) {
        if (device.isGpu() || bfloat16Checked) {
            return;
        }
        bfloat16Checked = true;
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            if (!cpuinfo.contains("avx512_bf16") && !cpuinfo.contains("amx_bf16")) {
                LOG.warn("This CPU lists neither avx512_bf16 nor amx_bf16: mixed_bfloat16 runs emulated, likely "
                        + "slower than float32");
            }
        } catch (IOException e) {
            LOG.debug("Cannot read /proc/cpuinfo to check for bfloat16 instructions: {}", e.toString());
        }
    }

    /** Where the graph's ops go; null for the CPU, TensorFlow's default. */
    static DeviceSpec deviceSpec(Device device) {
        if (!device.isGpu()) {
            return null;
        }
        return DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(device.index()).build();
    }

    /** Throws unless TensorFlow sees {@code device}; the message lists the devices it does see. */
    static void requireDevice(Device device) {
        if (!device.isGpu()) {
            return;
        }
        List<String> devices = deviceNames(device);
        String wanted = ":GPU:" + device.index();
        if (devices.stream().noneMatch(name -> name.toUpperCase(Locale.ROOT).endsWith(wanted))) {
            throw new IllegalArgumentException("Device " + device + " is not available to TensorFlow; it sees "
                    + devices);
        }
    }

    /** The devices a fresh session sees, e.g. {@code /job:localhost/replica:0/task:0/device:CPU:0}. */
    static List<String> deviceNames(Device device) {
        start();
        TF_Status status = TF_NewStatus();
        TF_Graph graph = TF_NewGraph();
        TF_SessionOptions options = TF_NewSessionOptions();
        try {
            byte[] config = sessionConfig(device).toByteArray();
            try (BytePointer bytes = new BytePointer(config)) {
                TF_SetConfig(options, bytes, config.length, status);
            }
            check(status, "setting the session options");
            TF_Session session = TF_NewSession(graph, options, status);
            check(status, "creating a session");
            try {
                TF_DeviceList list = TF_SessionListDevices(session, status);
                check(status, "listing devices");
                try {
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < TF_DeviceListCount(list); i++) {
                        names.add(TF_DeviceListName(list, i, status).getString());
                        check(status, "reading device " + i);
                    }
                    return names;
                } finally {
                    TF_DeleteDeviceList(list);
                }
            } finally {
                TF_CloseSession(session, status);
                TF_DeleteSession(session, status);
            }
        } finally {
            TF_DeleteSessionOptions(options);
            TF_DeleteGraph(graph);
            TF_DeleteStatus(status);
        }
    }

    private static void check(TF_Status status, String what) {
        if (TF_GetCode(status) != TF_OK) {
            throw new IllegalStateException("TensorFlow failed " + what + ": " + TF_Message(status).getString());
        }
    }
}
