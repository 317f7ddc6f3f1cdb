package org.sightline.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.spi.Device;
import org.tensorflow.proto.ConfigProto;

class TensorFlowRuntimeTest {

    @Test
    void sessionsUseEveryCoreInsideOpsAndOneThreadAcross() {
        ConfigProto cpu = TensorFlowRuntime.sessionConfig(Device.cpu());
        assertEquals(Runtime.getRuntime().availableProcessors(), cpu.getIntraOpParallelismThreads());
        assertEquals(1, cpu.getInterOpParallelismThreads());
        assertFalse(cpu.getAllowSoftPlacement());
        ConfigProto gpu = TensorFlowRuntime.sessionConfig(Device.gpu(1));
        assertTrue(gpu.getAllowSoftPlacement());
        assertTrue(gpu.getGpuOptions().getAllowGrowth());
        assertNull(TensorFlowRuntime.deviceSpec(Device.cpu()));
        assertEquals(Integer.valueOf(1), TensorFlowRuntime.deviceSpec(Device.gpu(1)).deviceIndex());
    }

    @Test
    void listsTheDevicesTensorFlowSees() {
        List<String> devices = TensorFlowRuntime.deviceNames(Device.cpu());
        assertTrue(devices.stream().anyMatch(d -> d.endsWith("CPU:0")), devices.toString());
        TensorFlowRuntime.requireDevice(Device.cpu());
    }

    @Test
    void aMissingGpuIndexNamesTheDevicesThatExist() {
        // Only meaningful where no GPU 7 exists, which holds for every machine this builds on.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorFlowRuntime.requireDevice(Device.gpu(7)));
        assertTrue(e.getMessage().contains("gpu:7") && e.getMessage().contains("CPU:0"), e.getMessage());
    }

    @Test
    void startingLeavesRoomForTensorFlowBesideTheHeap() {
        TensorFlowRuntime.start();
        long cap = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
        assertTrue(cap >= Runtime.getRuntime().maxMemory() + TensorFlowRuntime.NATIVE_ALLOWANCE_BYTES, "cap " + cap);
    }
}
