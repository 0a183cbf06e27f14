package io.lethe.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.models.Provenance;
import io.lethe.models.RecordIds;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.ShardLineage;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainJobTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path train;
  static Path test;

  @BeforeAll
  static void data() {
    spark = Fixtures.spark();
    train = Fixtures.blobsCsv(dir, "train", 360, 7);
    test = Fixtures.blobsCsv(dir, "test", 90, 8);
  }

  @AfterEach
  void noFailPoint() {
    System.clearProperty(FailPoints.PROPERTY);
  }

  private static LetheStore prepared(String name, String... extra) {
    LetheSettings settings = Fixtures.blobSettings(dir.resolve(name), train, test, extra);
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    return store;
  }

  @Test
  void trainsEveryShardSliceBySliceWithProvenanceThatNamesItsRecords() {
    LetheSettings settings = Fixtures.blobSettings(dir.resolve("provenance"), train, test);
    LetheStore store = prepared("provenance");
    TrainJob.Outcome outcome = TrainJob.run(spark, store, settings, false);

    GenerationManifest g = store.readServedGeneration();
    assertThat(g.number()).isEqualTo(1);
    assertThat(outcome.upToDate()).isFalse();
    assertThat(g.shards()).hasSize(3);
    DataManifest data = store.readLatestDataManifest();
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    for (ShardLineage shard : g.shards()) {
      assertThat(shard.sequences()).hasSize(1);
      List<String> chain = shard.sequences().get(0).checkpoints();
      assertThat(shard.sequences().get(0).slices()).containsExactly(0, 1);
      assertThat(chain).hasSize(2);
      assertThat(shard.served()).contains(new ShardLineage.Prefix(0, 2));
      assertThat(shard.trainRows()).isEqualTo(data.shardRows(shard.shard()));
      Provenance slice0 = checkpoints.loadProvenance(chain.get(0));
      Provenance slice1 = checkpoints.loadProvenance(chain.get(1));
      assertThat(slice0.parentSha256()).isNull();
      assertThat(slice1.parentSha256()).isEqualTo(chain.get(0));
      assertThat(slice1.zipSha256()).isEqualTo(chain.get(1));
      assertThat(slice1.nativeThreads()).isEqualTo(1);
      assertThat(slice1.configHash()).isEqualTo(g.configHash());
      List<String> ids = PrepareJob.loadExamples(spark, store, data.version())
          .filter("shard = " + shard.shard()).select("record_id").as(org.apache.spark.sql.Encoders.STRING())
          .collectAsList();
      assertThat(slice1.recordIdsSha256()).isEqualTo(RecordIds.sha256OfSorted(ids));
      assertThat(slice1.recordCount()).isEqualTo(ids.size());
      assertThat(checkpoints.loadModel(shard.servedCheckpoint()).numParams()).isEqualTo(12 * 16 + 16 + 16 * 3 + 3);
    }
    List<Row> metrics = spark.read().parquet(TrainJob.metricsPath(store, 1).toString()).collectAsList();
    assertThat(metrics).hasSize(6);
  }

  @Test
  void trainingIsDeterministicAndReRunningIsANoOp() {
    LetheSettings a = Fixtures.blobSettings(dir.resolve("det-a"), train, test);
    LetheSettings b = Fixtures.blobSettings(dir.resolve("det-b"), train, test);
    LetheStore storeA = prepared("det-a");
    LetheStore storeB = prepared("det-b");
    GenerationManifest first = TrainJob.run(spark, storeA, a, false).generation();
    GenerationManifest second = TrainJob.run(spark, storeB, b, false).generation();
    assertThat(second.shards()).isEqualTo(first.shards());

    TrainJob.Outcome again = TrainJob.run(spark, storeA, a, false);
    assertThat(again.upToDate()).isTrue();
    assertThat(storeA.generations()).containsExactly(1L);

    TrainJob.Outcome forced = TrainJob.run(spark, storeA, a, true);
    assertThat(forced.generation().number()).isEqualTo(2);
    assertThat(forced.generation().shards()).isEqualTo(first.shards());
  }

  @Test
  void aCrashBetweenShardWritesLeavesThePreviousGenerationServed() {
    LetheSettings settings = Fixtures.blobSettings(dir.resolve("crash"), train, test);
    LetheStore store = prepared("crash");
    GenerationManifest before = TrainJob.run(spark, store, settings, false).generation();

    LetheSettings changed = Fixtures.blobSettings(dir.resolve("crash"), train, test, "lethe.model.epochs=13");
    System.setProperty(FailPoints.PROPERTY, "train.after-checkpoint.shard-1.slice-0");
    assertThatThrownBy(() -> TrainJob.run(spark, store, changed, false))
        .hasStackTraceContaining("Injected failure at step 'train.after-checkpoint.shard-1.slice-0'");
    assertThat(store.readServedGeneration()).isEqualTo(before);

    System.setProperty(FailPoints.PROPERTY, "train.before-generation-commit");
    assertThatThrownBy(() -> TrainJob.run(spark, store, changed, false))
        .hasMessageContaining("Injected failure at step 'train.before-generation-commit'");
    assertThat(store.readServedGeneration()).isEqualTo(before);
    assertThat(store.exists(store.layout().lock())).isFalse();

    System.clearProperty(FailPoints.PROPERTY);
    GenerationManifest after = TrainJob.run(spark, store, changed, false).generation();
    assertThat(after.number()).isEqualTo(before.number() + 1);
    assertThat(after.configHash()).isNotEqualTo(before.configHash());
  }

  @Test
  void aSecondWriterIsRefusedWhileTheLockIsHeld() {
    LetheSettings settings = Fixtures.blobSettings(dir.resolve("locked"), train, test);
    LetheStore store = prepared("locked");
    try (StoreLock held = StoreLock.acquire(store, "lethe forget")) {
      assertThatThrownBy(() -> TrainJob.run(spark, store, settings, false))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("is locked by 'lethe forget'");
    }
    assertThat(store.latestGeneration()).isEmpty();
  }
}
