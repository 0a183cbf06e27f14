package io.lethe.jobs.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.StepResult;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.forget.RequestStatus;
import io.lethe.jobs.forget.Verifier;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store written by the first store format (prepare, train, one forget batch; see {@link GoldenStoreWriter})
 * still opens, serves, forgets and verifies with this build, and training its data again gives the very
 * checkpoints that build made.
 */
class GoldenStoreTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path golden;

  @BeforeAll
  static void locateFixture() throws URISyntaxException {
    spark = Fixtures.spark();
    golden = Path.of(Objects.requireNonNull(GoldenStoreTest.class.getResource("/golden/store-v1/_lethe/store.json"),
        "golden/store-v1 is missing from the test resources").toURI()).getParent().getParent();
  }

  static Path copy(String name) throws IOException {
    Path target = dir.resolve(name);
    try (Stream<Path> files = Files.walk(golden)) {
      for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
        Path to = target.resolve(golden.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(to);
        } else {
          Files.copy(source, to);
        }
      }
    }
    return target;
  }

  static LetheSettings settings(Path store) throws IOException {
    return GoldenStore.settings(store, Files.createDirectories(dir.resolve("inputs")));
  }

  @Test
  void theOldStoreOpensAndServesWhatItServedBefore() throws IOException {
    Path root = copy("serve");
    LetheSettings settings = settings(root);
    LetheStore store = Fixtures.open(spark, settings);
    GenerationManifest served = store.readServedGeneration();
    assertThat(served.number()).isEqualTo(3);
    assertThat(served.formatVersion()).isEqualTo(1);
    assertThat(served.shards()).hasSize(3);
    assertThat(served.servedShards()).hasSize(3);
    GenerationManifest clean = store.readGeneration(2);
    assertThat(clean.shard(2).orElseThrow().isServed()).as("shard 2 was left out while its slice 0 was dirty")
        .isFalse();
    assertThat(clean.shard(1).orElseThrow().servedCheckpoint())
        .isEqualTo(store.readGeneration(1).shard(1).orElseThrow().sequences().get(0).checkpoint(1));

    Evaluation evaluation = EvaluateJob.run(spark, store, settings, false);
    assertThat(evaluation.ensembleAccuracy().get("mean-softmax")).isGreaterThan(0.9);
    assertThat(new Verifier(spark, store, settings).run(false).findings()).isEmpty();
    List<Row> statuses = RequestStatus.all(spark, store).select("id", "status").collectAsList();
    assertThat(statuses).extracting(r -> r.getString(0) + "=" + r.getString(1))
        .containsExactlyInAnyOrder("train-100=completed", "s-train-0=completed");
  }

  @Test
  void trainingTheOldDataAgainGivesTheSameCheckpointsByteForByte() throws IOException {
    Path root = copy("retrain");
    LetheSettings settings = settings(root);
    LetheStore store = Fixtures.open(spark, settings);
    GenerationManifest old = store.readServedGeneration();
    GenerationManifest fresh = TrainJob.run(spark, store, settings, true).generation();
    assertThat(fresh.number()).isEqualTo(old.number() + 1);
    for (ShardLineage shard : old.shards()) {
      assertThat(fresh.shard(shard.shard()).orElseThrow().servedCheckpoint()).as("shard %d", shard.shard())
          .isEqualTo(shard.servedCheckpoint());
    }
  }

  @Test
  void theOldStoreForgetsAndProvesItExactly() throws IOException {
    Path root = copy("forget");
    LetheSettings settings = settings(root);
    LetheStore store = Fixtures.open(spark, settings);
    long before = store.readServedGeneration().number();
    new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark, List.of(), List.of("s-train-5"), "again"));
    List<ForgetJournal> batches = new ForgetJob(spark, store, settings).processPending("test");

    assertThat(store.readServedGeneration().number()).isGreaterThan(before);
    // The old data version has no id index: the batch was routed by joining its examples, and its rewrite built
    // the index of the new version (which verify below checks against the data).
    assertThat(batches.get(batches.size() - 1).result(StepResult.Routed.class).routedBy())
        .isEqualTo("examples-join");
    assertThat(store.readLatestDataManifest().idIndex()).isNotNull();
    Verifier.Result verified = new Verifier(spark, store, settings).run(true);
    assertThat(verified.findings()).isEmpty();
    assertThat(verified.proofs()).isNotEmpty().allMatch(Verifier.ShardProof::identical);
    assertThat(RequestStatus.all(spark, store).filter("status = 'completed'").count()).isEqualTo(3);
  }
}
