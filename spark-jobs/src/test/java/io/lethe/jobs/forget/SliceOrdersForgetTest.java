package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * S3T on the blobs: 3 shards x 4 slices, each shard trained in 4 cyclic orders. A forget serves each shard's
 * longest clean prefix among its orders at once, that prefix is what training from scratch gives, deferred
 * retraining waits for its thresholds or {@code lethe retrain}, and a crash anywhere resumes to the same bytes.
 */
class SliceOrdersForgetTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path train;
  static Path test;
  static Path template;
  static GenerationManifest trained;
  static GenerationManifest uninterrupted;

  static LetheSettings settings(Path store, String... extra) {
    List<String> all = new ArrayList<>(List.of("lethe.data.slices=4", "lethe.model.sequences=4",
        "lethe.model.sequence-selection=cyclic", "lethe.model.epochs=5"));
    all.addAll(List.of(extra));
    return Fixtures.blobSettings(store, train, test, all.toArray(String[]::new));
  }

  /** Deferred retraining that never triggers by itself. */
  static final String[] DEFERRED = {"lethe.forget.retrain=deferred", "lethe.forget.min-served-slices=0",
      "lethe.forget.min-served-row-fraction=0"};

  static void submit(LetheStore store) {
    new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark, List.of("train-100"),
        List.of("s-train-0", "s-train-1", "s-train-2", "nobody"), "test"));
  }

  @BeforeAll
  static void trainedTemplate() throws IOException {
    spark = Fixtures.spark();
    train = Fixtures.blobsCsv(dir, "train", 360, 7);
    test = Fixtures.blobsCsv(dir, "test", 90, 8);
    template = dir.resolve("template");
    LetheSettings settings = settings(template);
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    trained = TrainJob.run(spark, store, settings, false).generation();
    LetheStore reference = copy("reference");
    submit(reference);
    new ForgetJob(spark, reference, settings(dir.resolve("reference"))).processPending("test");
    uninterrupted = reference.readServedGeneration();
  }

  @AfterEach
  void noFailPoint() {
    System.clearProperty(FailPoints.PROPERTY);
  }

  static LetheStore copy(String name) throws IOException {
    Path target = dir.resolve(name);
    try (Stream<Path> files = Files.walk(template)) {
      for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
        Path to = target.resolve(template.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(to);
        } else {
          Files.copy(source, to);
        }
      }
    }
    return Fixtures.open(spark, settings(target));
  }

  @Test
  void trainingGivesEveryShardFourCyclicOrdersServingTheFirstInFull() {
    for (ShardLineage shard : trained.shards()) {
      assertThat(shard.sequences()).extracting(ShardLineage.Sequence::slices).containsExactly(List.of(0, 1, 2, 3),
          List.of(1, 2, 3, 0), List.of(2, 3, 0, 1), List.of(3, 0, 1, 2));
      assertThat(shard.servesFullLineage(4)).isTrue();
      assertThat(shard.served()).contains(new ShardLineage.Prefix(0, 4));
    }
    assertThat(trained.checkpoints()).hasSize(3 * 4 * 4);
  }

  @Test
  void aForgetServesEachShardsLongestCleanPrefixAndThatPrefixIsWhatTrainingFromScratchGives() throws IOException {
    LetheStore store = copy("deactivate");
    LetheSettings settings = settings(dir.resolve("deactivate"), DEFERRED);
    submit(store);
    ForgetJournal journal = new ForgetJob(spark, store, settings).processPending("test").get(0);

    Map<Integer, Set<Integer>> affected = ForgetJob.affectedShards(journal);
    // These requests hit one slice in each of three shards; several slices per shard: ShardLineageTest.
    assertThat(affected).isNotEmpty();
    GenerationManifest served = store.readServedGeneration();
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    for (ShardLineage before : trained.shards()) {
      ShardLineage after = served.shard(before.shard()).orElseThrow();
      Set<Integer> slices = affected.get(before.shard());
      if (slices == null) {
        assertThat(after).isEqualTo(before);
        continue;
      }
      assertThat(after.served()).isEqualTo(before.longestCleanPrefix(slices));
      assertThat(after.servedSlices()).doesNotContainAnyElementsOf(slices);
      for (String checkpoint : before.checkpoints()) {
        boolean saw = checkpoints.exists(checkpoint);
        assertThat(saw).as("shard %d checkpoint %s kept iff it never saw a deleted slice", before.shard(),
            checkpoint).isEqualTo(after.checkpoints().contains(checkpoint));
      }
    }
    assertThat(journal.result(StepResult.Retrained.class).deferred()).isTrue();
    assertThat(journal.result(StepResult.Retrained.class).sequences()).isEmpty();

    Verifier.Result verified = new Verifier(spark, store, settings).run(true);
    assertThat(verified.findings()).isEmpty();
    assertThat(verified.proofs()).isNotEmpty().allMatch(Verifier.ShardProof::identical);
    for (int shard : affected.keySet()) {
      if (served.shard(shard).orElseThrow().isServed()) {
        assertThat(verified.proofs()).filteredOn(p -> p.shard() == shard && p.servedNow()).singleElement()
            .extracting(Verifier.ShardProof::served).isEqualTo(served.shard(shard).orElseThrow().servedCheckpoint());
      }
    }
    List<Row> statuses = RequestStatus.all(spark, store).select("id", "status").collectAsList();
    assertThat(statuses).extracting(r -> r.getString(0) + "=" + r.getString(1)).contains(
        "s-train-0=" + ForgetReport.RETRAIN_PENDING, "nobody=not-found");
    assertThat(ForgetReport.load(store, journal.batchId()).unlearning()).isEqualTo(ForgetReport.RETRAIN_PENDING);

    RetrainJob.Outcome retrained = new RetrainJob(spark, store, settings).run("test");
    assertThat(retrained.shards()).containsExactlyElementsOf(affected.keySet());
    assertThat(store.readServedGeneration().shards()).isEqualTo(uninterrupted.shards());
    assertThat(retrained.generation().key()).isEqualTo("retrain/" + served.number());
    assertThat(new RetrainJob(spark, store, settings).run("test").shards()).isEmpty();
    assertThat(RequestStatus.all(spark, store).filter("status = 'completed'").count()).isEqualTo(4);
  }

  @Test
  void deferredRetrainingStartsWhenAShardServesFewerSlicesThanTheMinimum() throws IOException {
    LetheStore store = copy("min-slices");
    LetheSettings settings = settings(dir.resolve("min-slices"), "lethe.forget.retrain=deferred",
        "lethe.forget.min-served-slices=4", "lethe.forget.min-served-row-fraction=0");
    submit(store);
    ForgetJournal journal = new ForgetJob(spark, store, settings).processPending("test").get(0);
    assertThat(journal.result(StepResult.Retrained.class).sequences().keySet())
        .containsExactlyElementsOf(ForgetJob.affectedShards(journal).keySet());
    assertThat(store.readServedGeneration().shards()).isEqualTo(uninterrupted.shards());
  }

  @Test
  void deferredRetrainingStartsWhenTheEnsembleServesTooFewTrainingRows() throws IOException {
    LetheStore store = copy("row-fraction");
    LetheSettings settings = settings(dir.resolve("row-fraction"), "lethe.forget.retrain=deferred",
        "lethe.forget.min-served-slices=0", "lethe.forget.min-served-row-fraction=0.99");
    submit(store);
    ForgetJournal journal = new ForgetJob(spark, store, settings).processPending("test").get(0);
    assertThat(journal.result(StepResult.Retrained.class).deferred()).isFalse();
    assertThat(store.readServedGeneration().shards()).isEqualTo(uninterrupted.shards());
  }

  @Test
  void deferredRetrainingWaitsWhileTheThresholdsHold() throws IOException {
    LetheStore store = copy("waits");
    LetheSettings settings = settings(dir.resolve("waits"), "lethe.forget.retrain=deferred",
        "lethe.forget.min-served-slices=1", "lethe.forget.min-served-row-fraction=0.1");
    submit(store);
    ForgetJournal journal = new ForgetJob(spark, store, settings).processPending("test").get(0);
    GenerationManifest served = store.readServedGeneration();
    boolean anyShardBelowOne = served.shards().stream().anyMatch(s -> s.servedStage() < 1);
    assertThat(journal.result(StepResult.Retrained.class).deferred()).isEqualTo(!anyShardBelowOne);
    assertThat(served.shards().stream().allMatch(s -> s.servesFullLineage(4))).isEqualTo(anyShardBelowOne);
  }

  @ParameterizedTest
  @ValueSource(strings = {"forget.ACKNOWLEDGED", "forget.ROUTED", "forget.SERVING_CLEAN",
      "forget.DATA_REWRITTEN.before-cleanup", "forget.DATA_REWRITTEN", "forget.PURGED", "forget.RETRAINED",
      "forget.PUBLISHED", "forget.COMPLETED"})
  void aCrashAtAnyStepWithFourOrdersResumesToTheBytesOfAnUninterruptedRun(String step) throws IOException {
    String name = "crash-" + step.replace('.', '-');
    LetheStore store = copy(name);
    submit(store);
    System.setProperty(FailPoints.PROPERTY, step);
    ForgetJob job = new ForgetJob(spark, store, settings(dir.resolve(name)));
    assertThatThrownBy(() -> job.processPending("test"))
        .hasMessageContaining("Injected failure at step '" + step + "'");
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    store.readServedGeneration().servedShards()
        .forEach(s -> assertThat(checkpoints.exists(s.servedCheckpoint())).isTrue());

    System.clearProperty(FailPoints.PROPERTY);
    job.processPending("test");
    assertThat(store.readServedGeneration().shards()).isEqualTo(uninterrupted.shards());
    assertThat(new Verifier(spark, store, settings(dir.resolve(name))).run(false).findings()).isEmpty();
  }
}
