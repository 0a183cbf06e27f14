package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.cli.LetheCli;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.ExamplesReader;
import io.lethe.prep.IdIndexRows;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.IdIndex;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForgetJobTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path train;
  static Path test;
  static Path template;
  static GenerationManifest uninterrupted;

  /** Subjects s-train-0..2 (rows train-0..8), one record of another subject, and an unknown subject. */
  static void submit(LetheStore store) {
    Ledger ledger = new Ledger(spark, store);
    ledger.acknowledge(RequestReader.fromIds(spark, List.of("train-100"),
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
    TrainJob.run(spark, store, settings, false);
    LetheStore reference = copy("reference");
    submit(reference);
    new ForgetJob(spark, reference, settings(dir.resolve("reference"))).processPending("test");
    uninterrupted = reference.readServedGeneration();
  }

  @AfterEach
  void noFailPoint() {
    System.clearProperty(FailPoints.PROPERTY);
  }

  static LetheSettings settings(Path store) {
    return Fixtures.blobSettings(store, train, test);
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
  void aBatchServesCleanPrefixesAtOnceThenRemovesRetrainsAndProvesTheDeletion() throws IOException {
    LetheStore store = copy("lifecycle");
    GenerationManifest before = store.readServedGeneration();
    DataManifest dataBefore = store.readLatestDataManifest();
    submit(store);
    LetheSettings audited = Fixtures.blobSettings(dir.resolve("lifecycle"), train, test,
        "lethe.forget.membership-audit=true");
    List<ForgetJournal> batches = new ForgetJob(spark, store, audited).processPending("test");

    ForgetJournal journal = batches.get(0);
    assertThat(journal.entries()).extracting(JournalEntry::state).containsExactly(ForgetState.values());
    Map<Integer, Set<Integer>> affected = ForgetJob.affectedShards(journal);
    assertThat(affected).isNotEmpty();

    GenerationManifest clean = store.readGeneration(before.number() + 1);
    assertThat(clean.reason()).isEqualTo("forget " + journal.batchId() + ": clean prefix");
    for (ShardLineage shard : clean.shards()) {
      ShardLineage old = before.shard(shard.shard()).orElseThrow();
      Set<Integer> slices = affected.get(shard.shard());
      if (slices == null) {
        assertThat(shard).isEqualTo(old);
      } else {
        int earliest = slices.stream().min(Integer::compare).orElseThrow();
        assertThat(shard.servedStage()).isEqualTo(earliest);
        assertThat(shard.sequences().get(0).checkpoints())
            .isEqualTo(old.sequences().get(0).checkpoints().subList(0, earliest));
      }
    }

    GenerationManifest after = store.readServedGeneration();
    assertThat(after.number()).isEqualTo(before.number() + 2);
    assertThat(after.shards()).isEqualTo(uninterrupted.shards());
    DataManifest data = store.readLatestDataManifest();
    assertThat(data.derivedFrom()).isEqualTo(dataBefore.version());
    assertThat(data.trainRows()).isEqualTo(dataBefore.trainRows() - 10);
    List<String> remaining = ExamplesReader.examples(spark, store, data).select("record_id")
        .as(Encoders.STRING()).collectAsList();
    assertThat(remaining).doesNotContain("train-0", "train-8", "train-100").contains("train-9");

    // Routed by the id index; the new version's index lists exactly its rows, the old one (deleted ids) is gone.
    assertThat(journal.result(StepResult.Routed.class).routedBy()).isEqualTo("index-lookup");
    assertThat(data.idIndex()).isNotNull();
    List<IdIndex.Entry> index = new ArrayList<>();
    IdIndex.forEach(store, data.idIndex(), index::add);
    assertThat(index).extracting(IdIndex.Entry::recordId).doesNotContain("train-0", "train-8", "train-100")
        .contains("train-9");
    assertThat(index).containsExactlyElementsOf(IdIndexRows.of(spark, store, data).orderBy("record_id", "shard")
        .collectAsList().stream().map(r -> new IdIndex.Entry(r.getString(0), r.getString(1), r.getInt(2),
            r.getInt(3))).toList());
    assertThat(data.idIndex().rows()).isEqualTo(dataBefore.idIndex().rows() - 10);
    assertThat(store.exists(IdIndex.resolve(store, dataBefore.idIndex()))).isFalse();
    for (DataManifest.PartitionEntry partition : data.partitions()) {
      DataManifest.PartitionEntry old = dataBefore.partition(partition.shard(), partition.slice()).orElseThrow();
      boolean touched = !partition.files().get(0).path().startsWith("v000001/");
      assertThat(touched).isEqualTo(!partition.contentSha256().equals(old.contentSha256()));
      if (!touched) {
        assertThat(partition.files()).isEqualTo(old.files());
      }
    }

    CheckpointRepository checkpoints = new CheckpointRepository(store);
    for (ShardLineage shard : before.shards()) {
      Set<Integer> slices = affected.get(shard.shard());
      List<String> chain = shard.sequences().get(0).checkpoints();
      for (int slice = 0; slice < chain.size(); slice++) {
        boolean saw = slices != null && slice >= slices.stream().min(Integer::compare).orElseThrow();
        assertThat(checkpoints.exists(chain.get(slice))).as("shard %d slice %d", shard.shard(), slice)
            .isEqualTo(!saw);
      }
    }

    Verifier.Result verified = new Verifier(spark, store, settings(dir.resolve("lifecycle"))).run(true);
    assertThat(verified.findings()).isEmpty();
    assertThat(verified.deletedRecords()).isEqualTo(10);
    assertThat(verified.proofs()).extracting(Verifier.ShardProof::shard)
        .containsExactlyElementsOf(affected.keySet());
    assertThat(verified.proofs()).allMatch(Verifier.ShardProof::identical);

    ForgetReport report = ForgetReport.load(store, journal.batchId());
    assertThat(report.requests()).isEqualTo(5);
    assertThat(report.notFound()).isEqualTo(1);
    assertThat(report.trainRowsDeleted()).isEqualTo(10);
    assertThat(report.before()).containsKeys("testAccuracy", "forgottenMembership", "unseenMembership");
    assertThat(report.summary()).contains("requests: 5 (1 not found)");

    List<Row> statuses = RequestStatus.all(spark, store).select("id", "status").collectAsList();
    assertThat(statuses).extracting(r -> r.getString(0) + "=" + r.getString(1)).containsExactlyInAnyOrder(
        "train-100=completed", "s-train-0=completed", "s-train-1=completed", "s-train-2=completed",
        "nobody=not-found");
  }

  @Test
  void reSubmittingTheSameRequestsIsANoOp() throws IOException {
    LetheStore store = copy("idempotent");
    submit(store);
    ForgetJournal journal = new ForgetJob(spark, store, settings(dir.resolve("idempotent"))).processPending("test")
        .get(0);
    long generation = store.readServedGeneration().number();
    // The membership audit is off by default: nothing is measured before the data rewrite.
    assertThat(store.exists(ForgetReport.measurementsPath(store, journal.batchId()))).isFalse();
    assertThat(((Number) journal.entry(ForgetState.DATA_REWRITTEN).details().get("measureSeconds")).doubleValue())
        .isLessThan(0.01);
    ForgetReport report = ForgetReport.load(store, journal.batchId());
    assertThat(report.before()).isEmpty();
    assertThat(report.summary()).contains("membership audit: off (lethe.forget.membership-audit)")
        .doesNotContain("membership inference");

    Ledger.Acknowledgement again = new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark,
        List.of("train-100"), List.of("s-train-0"), "again"));
    assertThat(again.received()).isZero();
    assertThat(again.alreadyKnown()).isEqualTo(2);
    assertThat(new ForgetJob(spark, store, settings(dir.resolve("idempotent"))).processPending("test")).isEmpty();
    assertThat(store.readServedGeneration().number()).isEqualTo(generation);
  }

  @Test
  void preparingTheRawInputsAgainNeverBringsForgottenRowsBack() throws IOException {
    LetheStore store = copy("reprepare");
    submit(store);
    new ForgetJob(spark, store, settings(dir.resolve("reprepare"))).processPending("test");
    DataManifest afterForget = store.readLatestDataManifest();

    DataManifest again = PrepareJob.run(spark, store, settings(dir.resolve("reprepare")).data(), "prepare",
        new Ledger(spark, store).forgotten());
    assertThat(again.version()).isEqualTo(afterForget.version());
    assertThat(store.dataVersions()).containsExactly(afterForget.version());
  }

  @Test
  void aSmallBatchAsksForTheSparkSessionOnlyOnceItIsPurged() throws IOException {
    LetheStore store = copy("lazy-session");
    submit(store);
    List<ForgetState> stepDoneWhenAsked = new ArrayList<>();
    ForgetJob job = new ForgetJob(() -> {
      List<String> batches = ForgetJournal.batchIds(store);
      stepDoneWhenAsked.add(batches.isEmpty() ? null
          : new ForgetJournal(store, batches.get(batches.size() - 1)).last().map(JournalEntry::state).orElse(null));
      return spark;
    }, store, settings(dir.resolve("lazy-session")));

    job.processPending("test");

    // Routing by the id index, serving clean, rewriting small partitions and purging run without Spark (a
    // command-line forget starts its session meanwhile); retraining and the report take it.
    assertThat(stepDoneWhenAsked).isNotEmpty();
    assertThat(stepDoneWhenAsked.get(0)).isEqualTo(ForgetState.PURGED);
    assertThat(store.readServedGeneration().shards()).isEqualTo(uninterrupted.shards());
  }

  @Test
  void aRewriteBySparkLeavesTheSameDataAndModelsAsTheDriversRewrite() throws IOException {
    LetheStore store = copy("rewrite-by-spark");
    submit(store);
    // The reference batch rewrote its partitions in the driver (the default bound); this one by Spark jobs.
    LetheSettings bySpark = Fixtures.blobSettings(dir.resolve("rewrite-by-spark"), train, test,
        "lethe.forget.local-rewrite-max-bytes = 0");
    assertThat(bySpark.forget().localRewriteMaxBytes()).isZero();
    new ForgetJob(spark, store, bySpark).processPending("test");

    LetheStore reference = Fixtures.open(spark, settings(dir.resolve("reference")));
    DataManifest expected = reference.readLatestDataManifest();
    DataManifest actual = store.readLatestDataManifest();
    assertThat(actual.partitions()).extracting(p -> p.shard() + "/" + p.slice() + " " + p.rows() + " "
        + p.contentSha256()).containsExactlyElementsOf(expected.partitions().stream()
        .map(p -> p.shard() + "/" + p.slice() + " " + p.rows() + " " + p.contentSha256()).toList());
    assertThat(actual.test().contentSha256()).isEqualTo(expected.test().contentSha256());
    assertThat(actual.partitions()).isNotEqualTo(expected.partitions()); // different files, same rows
    assertThat(store.readServedGeneration().shards()).isEqualTo(uninterrupted.shards());
  }

  @ParameterizedTest
  @ValueSource(strings = {"forget.ACKNOWLEDGED", "forget.ROUTED", "forget.SERVING_CLEAN",
      "forget.DATA_REWRITTEN.before-cleanup", "forget.DATA_REWRITTEN", "forget.PURGED", "forget.RETRAINED",
      "forget.PUBLISHED", "forget.COMPLETED"})
  void aCrashAtAnyStepLosesNothingAndResumingEndsExactlyWhereAnUninterruptedRunDoes(String step)
      throws IOException {
    String name = "crash-" + step.replace('.', '-');
    LetheStore store = copy(name);
    submit(store);
    System.setProperty(FailPoints.PROPERTY, step);
    ForgetJob job = new ForgetJob(spark, store, settings(dir.resolve(name)));
    assertThatThrownBy(() -> job.processPending("test"))
        .hasMessageContaining("Injected failure at step '" + step + "'");
    GenerationManifest served = store.readServedGeneration();
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    served.servedShards().forEach(s -> assertThat(checkpoints.exists(s.servedCheckpoint())).isTrue());

    System.clearProperty(FailPoints.PROPERTY);
    job.processPending("test");
    assertThat(store.readServedGeneration().shards()).isEqualTo(uninterrupted.shards());
    assertThat(new Verifier(spark, store, settings(dir.resolve(name))).run(false).findings()).isEmpty();
    assertThat(RequestStatus.all(spark, store).filter("status = 'completed'").count()).isEqualTo(4);
  }

  @Test
  void aSecondWriterFailsFastAndTheLedgerIsUntouched() throws IOException {
    // Through the CLI, whose forget acknowledges under the lock: while another writer holds it, nothing reaches
    // the ledger; once it is released the same command does, so the first assertion can fail.
    Path root = dir.resolve("locked");
    LetheStore store = copy("locked");
    String[] forget = {"forget", "--store", root.toString(), "--record", "train-1", "--no-process"};
    StringWriter err = new StringWriter();
    try (StoreLock held = StoreLock.acquire(store, "lethe train")) {
      int code = LetheCli.execute(forget, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
      assertThat(code).isEqualTo(2);
      assertThat(err.toString()).startsWith("lethe forget: Store " + store.uri() + " is locked by 'lethe train'");
    }
    assertThat(new Ledger(spark, store).submissions()).isEmpty();

    assertThat(LetheCli.execute(forget, new PrintWriter(new StringWriter(), true),
        new PrintWriter(new StringWriter(), true))).isZero();
    assertThat(new Ledger(spark, store).submissions()).singleElement()
        .satisfies(s -> assertThat(s.requests()).isEqualTo(1));
  }
}
