package org.sightline.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class LocalSparkTest {
    @Test
    void startsAndCounts() throws Exception {
        try (SparkSession spark = LocalSpark.start("local[2]")) {
            assertEquals(10, spark.range(10).count());
        }
    }
}
