package io.lethe.jobs.golden;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the golden store fixture {@code golden/store-v1} with the code of the build it runs in: prepare, train and
 * one forget batch on the seeded blobs of {@link GoldenStore}. It ran once, before the store format changed, and
 * its output is committed; {@link GoldenStoreTest} proves later builds still open and forget on it. Run it only to
 * make a new golden version (into a new directory):
 *
 * <pre>mvn -o -pl spark-jobs -am test -Dtest=GoldenStoreWriter -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dgolden.store.write=$PWD/spark-jobs/src/test/resources/golden/store-vN</pre>
 */
@EnabledIfSystemProperty(named = GoldenStoreWriter.PROPERTY, matches = ".+")
class GoldenStoreWriter {
  static final String PROPERTY = "golden.store.write";

  @Test
  void writeGoldenStore() throws IOException {
    Path target = Path.of(System.getProperty(PROPERTY));
    if (Files.exists(target)) {
      throw new IllegalStateException(target + " exists; golden stores are written once, into a new directory");
    }
    Path inputs = Files.createTempDirectory("golden-inputs");
    SparkSession spark = Fixtures.spark();
    LetheSettings settings = GoldenStore.settings(target, inputs);
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
    new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark, List.of(GoldenStore.FORGOTTEN_RECORD),
        List.of(GoldenStore.FORGOTTEN_SUBJECT), "golden"));
    new ForgetJob(spark, store, settings).processPending("golden");
    // Parquet's CRC side files are rebuilt by Hadoop when missing; leaving them out keeps the fixture small.
    try (Stream<Path> files = Files.walk(target)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        if (file.getFileName().toString().endsWith(".crc")) {
          Files.delete(file);
        }
      }
    }
  }
}
