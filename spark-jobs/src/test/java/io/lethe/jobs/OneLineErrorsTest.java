package io.lethe.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.testing.LetheProcess;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error a user can meet, met the way a user meets it: {@code submit/lethe} started as a child process. Each
 * must print exactly one line on stderr naming the problem and what to do, with exit code 2 (usage or input) or 1
 * (the rest), and leave its stack trace in the log file. One prepared and trained store is shared; each case
 * damages its own copy.
 */
class OneLineErrorsTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path train;
  static Path test;
  static Path trained;

  record Run(int code, String out, String err, String log) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  @BeforeAll
  static void trainedStore() {
    spark = Fixtures.spark();
    train = Fixtures.blobsCsv(dir, "train", 180, 7);
    test = Fixtures.blobsCsv(dir, "test", 60, 8);
    trained = dir.resolve("trained");
    LetheSettings settings = Fixtures.blobSettings(trained, train, test);
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
  }

  static Path copy(String name) throws IOException {
    Path target = dir.resolve(name);
    try (Stream<Path> files = Files.walk(trained)) {
      for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
        Path to = target.resolve(trained.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(to);
        } else {
          Files.copy(source, to);
        }
      }
    }
    return target;
  }

  /** Runs {@code submit/lethe} with the test classpath (no build) and its own log file. */
  static Run lethe(String name, String... args) throws IOException {
    LetheProcess.Result result = LetheProcess.run(dir, name, List.of(), Duration.ofMinutes(5), args);
    Path log = dir.resolve(name + ".log");
    return new Run(result.exitCode(), result.stdout(), result.stderr(),
        Files.exists(log) ? Files.readString(log) : "");
  }

  static void assertOneLine(Run run, int code, String line) {
    assertThat(run.errLines()).as("stderr of a run that exited %d; stdout:%n%s", run.code(), run.out())
        .containsExactly(line);
    assertThat(run.code()).isEqualTo(code);
  }

  static Path servedZip(Path root, int shard) {
    LetheStore store = Fixtures.open(spark, Fixtures.blobSettings(root, train, test));
    String sha = store.readServedGeneration().shard(shard).orElseThrow().servedCheckpoint();
    return Path.of(store.layout().checkpointZip(sha).toUri());
  }

  static String sha(Path zip) {
    String name = zip.getFileName().toString();
    return name.substring(0, name.length() - ".zip".length());
  }

  @Test
  void predictOnADamagedServedCheckpointSaysWhichAndToRepair() throws Exception {
    Path root = copy("predict-damaged");
    Path zip = servedZip(root, 0);
    byte[] bytes = Files.readAllBytes(zip);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(zip, bytes);

    Run run = lethe("predict-damaged", "predict", "--store", root.toString(), "--output",
        dir.resolve("predictions").toString());

    assertOneLine(run, 1, "lethe predict: Checkpoint " + sha(zip) + " is damaged: its file fails the file system's"
        + " checksum. Run `lethe repair` to rebuild it from its data.");
    assertThat(run.log()).contains("lethe predict failed", "at io.lethe.jobs.checkpoint.CheckpointRepository");
  }

  @Test
  void evaluateOnATruncatedServedCheckpointSaysWhichAndToRepair() throws Exception {
    Path root = copy("evaluate-damaged");
    Path zip = servedZip(root, 1);
    byte[] half = Arrays.copyOf(Files.readAllBytes(zip), (int) Files.size(zip) / 2);
    Files.write(zip, half);
    Files.delete(zip.resolveSibling("." + zip.getFileName() + ".crc"));

    Run run = lethe("evaluate-damaged", "evaluate", "--store", root.toString());

    assertOneLine(run, 1, "lethe evaluate: Checkpoint " + sha(zip) + " is damaged: its bytes hash to "
        + io.lethe.models.CheckpointCodec.sha256Hex(half) + ". Run `lethe repair` to rebuild it from its data.");
  }

  @Test
  void forgetThatMustResumeFromADamagedCheckpointSaysWhichAndToRepair() throws Exception {
    Path root = copy("forget-damaged");
    LetheStore store = Fixtures.open(spark, Fixtures.blobSettings(root, train, test));
    String clean = store.readServedGeneration().shard(0).orElseThrow().sequences().get(0).checkpoint(1);
    String subject = spark.read().parquet(store.layout().examplePartition(1, 0, 1).toString())
        .select("subject_id").first().getString(0);
    Path zip = Path.of(store.layout().checkpointZip(clean).toUri());
    byte[] bytes = Files.readAllBytes(zip);
    bytes[bytes.length / 3] ^= 0x01;
    Files.write(zip, bytes);
    Files.delete(zip.resolveSibling("." + zip.getFileName() + ".crc"));

    Run run = lethe("forget-damaged", "forget", "--store", root.toString(), "--subject", subject,
        "--set", "lethe.spark.master=local[2]");

    assertOneLine(run, 1, "lethe forget: Checkpoint " + clean + " is damaged: its bytes hash to "
        + io.lethe.models.CheckpointCodec.sha256Hex(bytes) + ". Run `lethe repair` to rebuild it from its data.");
  }

  @Test
  void aMalformedJsonLinesRequestFileNamesTheLine() throws Exception {
    Path root = copy("bad-json");
    Path requests = dir.resolve("requests.jsonl");
    Files.writeString(requests, "{\"record_id\": \"train-1\"}\n\n{\"record_id\": \"train-2\",}\n",
        StandardCharsets.UTF_8);

    Run run = lethe("bad-json", "forget", "--store", root.toString(), "--file", requests.toString());

    assertThat(run.errLines()).singleElement().asString().startsWith("lethe forget: Request file " + requests
        + ", line 3: it is not valid JSON (").endsWith("). Each line must be one JSON object such as"
        + " {\"record_id\": \"r-1\"}; fix or remove that line.");
    assertThat(run.code()).isEqualTo(2);
  }

  @Test
  void aMissingStoreIsNamedAndVerboseAddsTheStackTrace() throws Exception {
    Path missing = dir.resolve("no-such-store");
    String line = "lethe status: No Lethe store at file://" + missing + ": nothing is there. Check --store, or"
        + " create one with `lethe prepare --store file://" + missing + "`.";

    assertOneLine(lethe("missing", "status", "--store", missing.toString()), 2, line);
    assertThat(missing).doesNotExist();
    Run verbose = lethe("missing-verbose", "--verbose", "status", "--store", missing.toString());
    assertThat(verbose.errLines().get(0)).isEqualTo(line);
    assertThat(verbose.err()).contains("io.lethe.store.StoreException", "at io.lethe.store.LetheStore");
  }

  @Test
  void aFolderThatIsNotALetheStoreIsRefused() throws Exception {
    Path foreign = Files.createDirectories(dir.resolve("photos"));
    Files.writeString(foreign.resolve("holiday.jpg"), "not a store");

    assertOneLine(lethe("foreign", "verify", "--store", foreign.toString()), 2, "lethe verify: file://" + foreign
        + " is not a Lethe store: it holds other files and no _lethe/store.json. Check --store; Lethe will not"
        + " write into a folder it did not create.");
  }

  @Test
  void aHeldLockNamesItsHolder() throws Exception {
    Path root = copy("locked");
    LetheStore store = Fixtures.open(spark, Fixtures.blobSettings(root, train, test));
    try (StoreLock held = StoreLock.acquire(store, "lethe train")) {
      Run run = lethe("locked", "train", "--store", root.toString(), "--force");
      assertOneLine(run, 2, "lethe train: Store " + store.uri() + " is locked by 'lethe train' (pid "
          + ProcessHandle.current().pid() + " on " + held.holder().host() + ", since " + held.holder().since()
          + "). Only one Lethe writer may run at a time: wait for it to finish. If that process is gone (crashed or"
          + " killed), run `lethe unlock --store " + store.uri() + "` and then `lethe resume` to finish its work.");
    }
  }

  @Test
  void trainingWithAnotherCpusBlasKernelsIsRefused() throws Exception {
    Path root = copy("other-kernels");
    // Prescott's kernels (SSE3) run on every x86-64 CPU, and are not the Haswell ones training is pinned to.
    LetheProcess.Result result = LetheProcess.start(dir, "other-kernels", List.of(),
        Map.of("OPENBLAS_CORETYPE", "Prescott"), "train", "--store", root.toString(), "--force")
        .await(Duration.ofMinutes(5));

    assertOneLine(new Run(result.exitCode(), result.stdout(), result.stderr(), ""), 2, "lethe train: OpenBLAS picks"
        + " its kernels by CPU and they change a model's bits, but this JVM was started with"
        + " OPENBLAS_CORETYPE=Prescott and training is pinned to Haswell's kernels; start it with"
        + " OPENBLAS_CORETYPE=Haswell (for Spark: spark.executorEnv.OPENBLAS_CORETYPE=Haswell; submit/lethe and"
        + " lethe-submit set it), or set lethe.training.openblas-coretype = \"\" to accept machine-dependent"
        + " checkpoints");
  }

  @Test
  void aStoreWithoutAtomicRenameIsRefused() throws Exception {
    assertOneLine(lethe("s3", "status", "--store", "s3a://bucket/lethe"), 2, "lethe status: Store"
        + " s3a://bucket/lethe is on 's3a://', whose rename is not atomic: a crash during a commit could expose"
        + " half-written state. Use an HDFS or local store, or set lethe.store.allow-non-atomic-rename = true to"
        + " accept that risk.");
  }
}
