package io.lethe.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orphan checker finds each kind of leftover it claims to find, and nothing in a clean store. */
class StoreChecksTest {
  @TempDir Path dir;

  @Test
  void aCleanStoreHasNoOrphansAndEveryPlantedLeftoverIsNamed() throws IOException {
    SparkSession spark = Fixtures.spark();
    Path root = dir.resolve("store");
    LetheSettings settings = Fixtures.blobSettings(root, Fixtures.blobsCsv(dir, "train", 90, 7),
        Fixtures.blobsCsv(dir, "test", 30, 8), "lethe.model.epochs=2");
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
    assertThat(StoreChecks.orphans(store)).isEmpty();

    GenerationManifest served = store.readServedGeneration();
    String servedSha = served.shards().get(0).sequences().get(0).checkpoint(1);
    String fake = "f".repeat(64);
    Files.writeString(root.resolve("_lethe/lock"), "{}");
    Files.createDirectories(root.resolve("staging/rewrite-x"));
    Files.writeString(root.resolve("data/v000001/examples/shard=0/slice=0/part-99999.parquet"), "rows");
    Files.copy(root.resolve("models/ckpt/" + servedSha + ".zip"), root.resolve("models/ckpt/" + fake + ".zip"));
    Files.copy(root.resolve("models/ckpt/" + servedSha + ".json"), root.resolve("models/ckpt/" + fake + ".json"));
    Files.delete(root.resolve("models/ckpt/" + fake + ".zip"));
    Files.writeString(root.resolve("models/ids/" + fake + ".txt"), "train-1\n");
    Files.createDirectories(root.resolve("models/metrics/gen-9"));
    Files.createDirectories(root.resolve("ledger/requests/s-never-committed"));
    Files.createDirectories(root.resolve("ledger/batches/b-empty/journal"));
    Files.createDirectories(root.resolve("ledger/index"));
    Files.writeString(root.resolve("ledger/index/L00-s-s-never-indexed.parquet"), "ids");

    List<String> found = StoreChecks.orphans(store);
    String uri = store.fs().makeQualified(store.layout().root()).toString();
    assertThat(found).containsExactlyInAnyOrder(
        uri + "/_lethe/lock: a writer lock left behind",
        uri + "/staging/rewrite-x: staged write left behind",
        uri + "/data/v000001/examples/shard=0/slice=0/part-99999.parquet: data file no committed data manifest"
            + " names",
        uri + "/models/ckpt/" + fake + ".json: provenance without its checkpoint",
        uri + "/models/ids/" + fake + ".txt: record-id set no stored checkpoint names",
        uri + "/models/metrics/gen-9: metrics of a generation that was never committed",
        uri + "/ledger/requests/s-never-committed: ledger submission without its _submission.json (never"
            + " committed)",
        uri + "/ledger/batches/b-empty: forget batch without any journal entry",
        uri + "/ledger/index/L00-s-s-never-indexed.parquet: request-id index run of a submission that was never"
            + " committed");
  }

  @Test
  void aCheckpointNoGenerationNamesIsAnOrphan() throws IOException {
    SparkSession spark = Fixtures.spark();
    Path root = dir.resolve("store");
    LetheSettings settings = Fixtures.blobSettings(root, Fixtures.blobsCsv(dir, "train", 90, 7),
        Fixtures.blobsCsv(dir, "test", 30, 8), "lethe.model.epochs=2");
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
    String sha = store.readServedGeneration().shards().get(1).sequences().get(0).checkpoint(2);
    Files.move(root.resolve("models/gen/0000000001.json"), dir.resolve("gen-1.json"));

    assertThat(StoreChecks.orphans(store)).contains(store.fs().makeQualified(store.layout().root()) + "/models/ckpt/" + sha
        + ".zip: checkpoint no generation names");
  }
}
