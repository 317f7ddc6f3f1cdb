package org.sightline.dl4j;

import java.util.Properties;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts ND4J's native backend once, on first use, with float32 as its default type. */
final class NativeRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(NativeRuntime.class);
    private static boolean started;

    private NativeRuntime() {
    }

    static synchronized void start() {
        if (started) {
            return;
        }
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Properties info = Nd4j.getExecutioner().getEnvironmentInformation();
        LOG.info("ND4J started: backend {}, {} threads, BLAS {}, helpers {}", info.getProperty("backend"),
                info.getProperty("omp.threads"), info.getProperty("blas.vendor"),
                Nd4j.getEnvironment().helpersAllowed() ? "on" : "off");
        started = true;
    }
}
