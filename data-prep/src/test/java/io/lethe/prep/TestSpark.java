package io.lethe.prep;

import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.time.Clock;
import org.apache.spark.sql.SparkSession;

/**
 * The test JVM's one SparkSession (local[2], UI off, 4 shuffle partitions): test classes share it rather than pay
 * for a new one each, and Spark's shutdown hook stops it when the JVM ends.
 */
final class TestSpark {
  private TestSpark() {}

  static SparkSession session() {
    return SparkSession.builder()
        .master("local[2]")
        .appName("lethe-data-prep-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
  }

  static LetheStore openStore(Path dir) {
    return LetheStore.open(dir.toString(), session().sparkContext().hadoopConfiguration(), false,
        Clock.systemUTC());
  }
}
