package io.lethe.jobs.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.cli.LetheCli;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetReport;
import io.lethe.jobs.forget.RequestStatus;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.testing.LetheProcess;
import io.lethe.jobs.testing.StoreChecks;
import io.lethe.models.CheckpointCodec;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code lethe} CLI (submit/lethe, a child JVM) is killed with {@code kill -9} at moments spread over every
 * forget step, in the middle of steps (part of a rewrite, part of a purge, one of two shards retrained), and during
 * train and prepare. After each kill the store is recovered as an operator does: {@code lethe resume}, which takes
 * over the dead writer's lock, then the interrupted command again where it was prepare or train, and the client
 * re-submits its request file. Then every acknowledged request is completed, the re-submission is recognised and
 * not processed again, verify finds nothing, the served checkpoints are byte-identical to an uninterrupted run's,
 * and nothing orphaned is left in the store.
 *
 * <p>The stores are small copies of one prepared and one trained template, so the suite fits CI time.
 */
@Tag("chaos")
class ProcessKillChaosTest {
  private static final Duration STEP = Duration.ofMinutes(5);

  /** Where each kill lands, with what recovery must show. */
  private static final List<String> FORGET_KILLS = List.of(
      "forget.acknowledge.before-commit",       // requests staged, not yet acknowledged
      "forget.ACKNOWLEDGED",                    // acknowledged to the client, no batch yet
      "forget.ROUTED",                          // routing committed to the ledger, step not journaled
      "forget.SERVING_CLEAN",                   // clean generation published, step not journaled
      "forget.DATA_REWRITTEN.after-first-partition", // part of the rewrite staged
      "forget.DATA_REWRITTEN.before-cleanup",   // new data version committed, old files all still there
      "forget.DATA_REWRITTEN.after-first-removal", // part of the old files removed
      "forget.PURGED.after-first-checkpoint",   // part of the purge done
      "RETRAIN_ONE_OF_TWO",                     // the first of two affected shards retrained, the second not
      "forget.RETRAINED",                       // all retrained, step not journaled
      "forget.PUBLISHED",                       // retrained generation published, step not journaled
      "forget.COMPLETED");                      // report written, step not journaled
  private static final List<String> TRAIN_KILLS = List.of(
      "train.after-checkpoint.shard-1.slice-0", // shard 0 done, shard 1 mid-way
      "train.before-generation-commit");        // every checkpoint written, no generation yet

  @TempDir static Path dir;
  static SparkSession spark;
  static Path config;
  static Path requests;
  static Path prepared;
  static Path trained;
  static Path logs;
  static int requestCount;
  static String firstRetrainedShardPoint;
  static Map<String, String> expectedStatus;
  static List<ShardLineage> trainedShards;
  static List<ShardLineage> forgottenShards;
  static List<String> forgottenData;
  static List<String> preparedData;
  static final List<String> summary = new ArrayList<>();

  @BeforeAll
  static void templates() throws IOException {
    spark = Fixtures.spark();
    logs = Path.of("target/chaos-logs").toAbsolutePath();
    deleteRecursively(logs);
    Path train = Fixtures.blobsCsv(dir, "train", 240, 7);
    Path test = Fixtures.blobsCsv(dir, "test", 60, 8);
    config = writeConfig(train, test);
    prepared = dir.resolve("prepared");
    cli("prepare", prepared);
    preparedData = partitions(open(prepared).readLatestDataManifest());
    trained = dir.resolve("trained");
    copyTree(prepared, trained);
    cli("train", trained);
    trainedShards = open(trained).readServedGeneration().shards();

    // Two subjects of slice 1 in two different shards, a record of the test split and an id that does not exist.
    List<Row> slice1 = PrepareJob.loadExamples(spark, open(prepared), 1).filter("slice = 1")
        .select("subject_id", "shard").distinct().orderBy("shard", "subject_id").collectAsList();
    Row first = slice1.get(0);
    Row second = slice1.stream().filter(r -> r.getInt(1) != first.getInt(1)).findFirst().orElseThrow();
    firstRetrainedShardPoint = "train.after-shard-" + first.getInt(1);
    requests = dir.resolve("requests.csv");
    Files.writeString(requests, "record_id,subject_id,reason\n"
        + "," + first.getString(0) + ",GDPR Art. 17\n"
        + "," + second.getString(0) + ",GDPR Art. 17\n"
        + "test-5,,CCPA\n"
        + "no-such-record,,GDPR Art. 17\n");
    requestCount = 4;

    Path reference = dir.resolve("reference");
    copyTree(trained, reference);
    cli("forget", reference, "--file", requests.toString());
    LetheStore store = open(reference);
    forgottenShards = store.readServedGeneration().shards();
    forgottenData = partitions(store.readLatestDataManifest());
    expectedStatus = statuses(store);
    assertThat(expectedStatus.values()).containsExactlyInAnyOrder("completed", "completed", "completed",
        "not-found");
    assertThat(PrepareJob.loadTestSplit(spark, store, store.latestDataVersion().getAsInt())
        .filter("record_id = 'test-5'").count()).as("the test record left the test split").isZero();
    ForgetReport report = ForgetReport.load(store, ForgetJournal.batchIds(store).get(0));
    assertThat(report.summary()).contains("rows deleted: ").contains(", 1 test");
    assertThat(StoreChecks.orphans(store)).isEmpty();
  }

  @AfterAll
  static void writeSummary() throws IOException {
    Files.createDirectories(logs);
    Files.write(logs.resolve("summary.txt"), summary);
  }

  @Test
  void everyKilledForgetIsFinishedByResumeExactlyAsIfUninterrupted() throws IOException {
    int kills = 0;
    for (String kill : FORGET_KILLS) {
      String point = kill.equals("RETRAIN_ONE_OF_TWO") ? firstRetrainedShardPoint : kill;
      long start = System.nanoTime();
      Path store = copyOf(trained, "forget-" + (++kills));
      LetheProcess.Running forget = LetheProcess.start(logs, kills + "-killed-forget", pause(store, point),
          "forget", "--store", store.toString(), "--config", config.toString(), "--file", requests.toString());
      forget.awaitPause(pauseDir(store), point, STEP);
      boolean acknowledged = read(forget.stdout()).contains("Acknowledged " + requestCount + " new deletion");
      assertThat(acknowledged).as("acknowledged to the client before the kill at %s", point)
          .isEqualTo(!point.equals("forget.acknowledge.before-commit"));
      forget.kill();

      LetheStore opened = open(store);
      assertThat(StoreLock.readHolder(opened)).as("the killed writer's lock is left behind")
          .map(StoreLock.LockHolder::pid).contains(forget.process().pid());
      LetheProcess.Result resume = LetheProcess.run(logs, kills + "-resume", List.of(), STEP, "resume",
          "--store", store.toString(), "--config", config.toString());
      assertThat(resume.exitCode()).as(resume::describe).isZero();
      assertThat(resume.lethesStdout()).as(resume::describe).startsWith("Took over the lock of 'lethe forget' (pid "
          + forget.process().pid() + " on ");

      // The client, not knowing whether its submission got through, sends the same file again.
      CliRun again = cli("forget", store, "--file", requests.toString());
      if (acknowledged) {
        assertThat(again.out()).as("re-submission after a kill at %s", point).startsWith("Acknowledged 0 new"
            + " deletion request(s) at ").contains("(" + requestCount + " already in the ledger)")
            .doesNotContain("Forget batch");
      } else {
        assertThat(again.out()).startsWith("Acknowledged " + requestCount + " new deletion request(s)");
      }
      assertRecovered(opened, point);
      summary.add(String.format(Locale.ROOT, "forget killed at %-45s recovered in %5.1f s", point,
          (System.nanoTime() - start) / 1e9));
    }
  }

  @Test
  void aKilledTrainIsFinishedByResumeAndTrainAgainWithTheSameCheckpoints() throws IOException {
    int kills = 0;
    for (String point : TRAIN_KILLS) {
      long start = System.nanoTime();
      Path store = copyOf(prepared, "train-" + (++kills));
      LetheProcess.Running train = LetheProcess.start(logs, "train-" + kills + "-killed", pause(store, point),
          "train", "--store", store.toString(), "--config", config.toString());
      train.awaitPause(pauseDir(store), point, STEP);
      train.kill();
      LetheProcess.Result resume = LetheProcess.run(logs, "train-" + kills + "-resume", List.of(), STEP, "resume",
          "--store", store.toString(), "--config", config.toString());
      assertThat(resume.exitCode()).as(resume::describe).isZero();
      assertThat(resume.lethesStdout()).as(resume::describe)
          .startsWith("Took over the lock of 'lethe train' (pid " + train.process().pid() + " on ")
          .contains("Nothing to resume");
      cli("train", store);
      LetheStore opened = open(store);
      assertServedBytesIdentical(opened, trainedShards, point);
      assertThat(StoreChecks.orphans(opened)).as("orphans after a kill at %s", point).isEmpty();
      summary.add(String.format(Locale.ROOT, "train  killed at %-45s recovered in %5.1f s", point,
          (System.nanoTime() - start) / 1e9));
    }
  }

  @Test
  void aKilledPrepareLeavesNothingBehindAndPreparesTheSameDataAgain() throws IOException {
    long start = System.nanoTime();
    String point = "prepare.before-commit";
    Path store = dir.resolve("prepare-killed");
    LetheProcess.Running prepare = LetheProcess.start(logs, "prepare-killed", pause(store, point), "prepare",
        "--store", store.toString(), "--config", config.toString());
    prepare.awaitPause(pauseDir(store), point, STEP);
    prepare.kill();
    assertThat(store.resolve("staging")).as("the killed prepare staged its version").isNotEmptyDirectory();
    LetheProcess.Result resume = LetheProcess.run(logs, "prepare-resume", List.of(), STEP, "resume", "--store",
        store.toString(), "--config", config.toString());
    assertThat(resume.exitCode()).as(resume::describe).isZero();
    assertThat(resume.lethesStdout()).as(resume::describe).startsWith("Took over the lock of 'lethe prepare' (pid " + prepare.process().pid());
    cli("prepare", store);
    LetheStore opened = open(store);
    assertThat(partitions(opened.readLatestDataManifest())).isEqualTo(preparedData);
    assertThat(opened.dataVersions()).containsExactly(1);
    assertThat(StoreChecks.orphans(opened)).isEmpty();
    summary.add(String.format(Locale.ROOT, "prepare killed at %-44s recovered in %5.1f s", point,
        (System.nanoTime() - start) / 1e9));
  }

  private static void assertRecovered(LetheStore store, String point) {
    assertThat(statuses(store)).as("request statuses after a kill at %s", point).isEqualTo(expectedStatus);
    List<String> batches = ForgetJournal.batchIds(store);
    assertThat(batches).as("one batch processed the requests, once").hasSize(1);
    assertThat(new ForgetJournal(store, batches.get(0)).last().orElseThrow().state().name()).isEqualTo("COMPLETED");
    CliRun verify = cli("verify", Path.of(store.uri()));
    assertThat(verify.code()).as("verify after a kill at %s:%n%s%s", point, verify.out(), verify.err()).isZero();
    assertServedBytesIdentical(store, forgottenShards, point);
    assertThat(partitions(store.readLatestDataManifest())).as("data after a kill at %s", point)
        .isEqualTo(forgottenData);
    assertThat(StoreChecks.orphans(store)).as("orphans after a kill at %s", point).isEmpty();
  }

  /**
   * The served generation has the uninterrupted run's checkpoint chains, and every served file's bytes hash to its
   * name, so the bytes are those of the uninterrupted run.
   */
  private static void assertServedBytesIdentical(LetheStore store, List<ShardLineage> expected,
      String point) {
    GenerationManifest served = store.readServedGeneration();
    assertThat(served.shards()).as("served checkpoints after a kill at %s", point).isEqualTo(expected);
    for (ShardLineage shard : served.shards()) {
      for (String sha : shard.checkpoints()) {
        assertThat(CheckpointCodec.sha256Hex(store.readBytes(store.layout().checkpointZip(sha))))
            .as("bytes of checkpoint %s after a kill at %s", sha, point).isEqualTo(sha);
      }
    }
  }

  private static Map<String, String> statuses(LetheStore store) {
    Map<String, String> status = new TreeMap<>();
    for (Row r : RequestStatus.all(spark, store).select("request_id", "status").collectAsList()) {
      status.put(r.getString(0), r.getString(1));
    }
    return status;
  }

  /** Shard, slice, rows and content hash of every partition (and the test split) of a data version. */
  private static List<String> partitions(DataManifest manifest) {
    List<String> out = new ArrayList<>();
    manifest.partitions().forEach(p -> out.add(p.shard() + "/" + p.slice() + " " + p.rows() + " "
        + p.contentSha256()));
    if (manifest.test() != null) {
      out.add("test " + manifest.test().rows() + " " + manifest.test().contentSha256());
    }
    return out;
  }

  private static List<String> pause(Path store, String point) {
    return List.of("-D" + FailPoints.PAUSE_PROPERTY + "=" + point,
        "-D" + FailPoints.PAUSE_DIR_PROPERTY + "=" + pauseDir(store));
  }

  private static Path pauseDir(Path store) {
    return store.resolveSibling(store.getFileName() + "-pause");
  }

  /** A run of the CLI's own entry point in this JVM (for the checks around the killed processes). */
  record CliRun(int code, String out, String err) {}

  static CliRun cli(String command, Path store, String... options) {
    List<String> args = new ArrayList<>(List.of(command, "--store", store.toString(), "--config",
        config.toString()));
    args.addAll(List.of(options));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = LetheCli.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    if (!command.equals("verify")) {
      assertThat(code).as("lethe %s: %s%s", args, out, err).isZero();
    }
    return new CliRun(code, out.toString(), err.toString());
  }

  private static LetheStore open(Path store) {
    return LetheStore.open(store.toString(), spark.sparkContext().hadoopConfiguration(), false, Clock.systemUTC());
  }

  private static Path writeConfig(Path train, Path test) throws IOException {
    List<String> features = new ArrayList<>();
    for (int f = 0; f < Fixtures.FEATURES; f++) {
      features.add("\"f" + f + "\"");
    }
    Path file = dir.resolve("chaos.conf");
    Files.writeString(file, String.join("\n", List.of(
        "lethe.data.source = csv",
        "lethe.data.inputs = [\"" + train + "\"]",
        "lethe.data.test-inputs = [\"" + test + "\"]",
        "lethe.data.id-column = id",
        "lethe.data.subject-column = subject",
        "lethe.data.feature-columns = [" + String.join(",", features) + "]",
        "lethe.data.shards = 3",
        "lethe.data.slices = 2",
        "lethe.model.architecture = tabular-mlp",
        "lethe.model.hidden-layers = [8]",
        "lethe.model.epochs = 4",
        "lethe.model.batch-size = 16",
        // One shard at a time, so that a pause after a shard's training has exactly that shard done.
        "lethe.training.parallel-shards = 1",
        "lethe.spark.master = \"local[2]\"",
        "lethe.spark.conf { \"spark.sql.shuffle.partitions\" = \"4\", \"spark.ui.enabled\" = \"false\" }")) + "\n");
    return file;
  }

  private static Path copyOf(Path template, String name) throws IOException {
    Path target = dir.resolve(name);
    copyTree(template, target);
    return target;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
