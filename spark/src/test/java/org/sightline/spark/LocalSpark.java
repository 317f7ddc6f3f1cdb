package org.sightline.spark;

import org.apache.spark.sql.SparkSession;

/** A small local Spark session for tests: no UI, few shuffle partitions. */
final class LocalSpark {
    private LocalSpark() {
    }

    /** {@code master} such as {@code local[2]}, or {@code local[2,3]} to let Spark retry a failed task. */
    static SparkSession start(String master) {
        return SparkSession.builder().master(master).appName("sightline-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }
}
