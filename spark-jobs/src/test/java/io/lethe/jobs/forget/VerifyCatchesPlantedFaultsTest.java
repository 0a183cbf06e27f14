package io.lethe.jobs.forget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.Verifier.Check;
import io.lethe.jobs.forget.Verifier.Finding;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.CheckpointCodec;
import io.lethe.models.Provenance;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.IdIndex;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plants each fault {@code lethe verify} claims to catch into a small real store (prepared, trained, one forget
 * done) and expects the exact finding. Each case also runs a verifier without the check that owns the fault and
 * requires the same assertion to fail there: a verifier that ignored data files, checkpoints, generations or
 * staging would not pass this suite.
 */
@Tag("faults")
class VerifyCatchesPlantedFaultsTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path train;
  static Path test;
  static Path trained;
  static Path forgotten;
  static String batchId;
  static Set<String> deleted;

  @BeforeAll
  static void storeWithOneForget() throws IOException {
    spark = Fixtures.spark();
    train = Fixtures.blobsCsv(dir, "train", 360, 7);
    test = Fixtures.blobsCsv(dir, "test", 90, 8);
    trained = dir.resolve("trained");
    LetheSettings settings = settings(trained);
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
    forgotten = dir.resolve("forgotten");
    copyTree(trained, forgotten);
    LetheStore forgetting = Fixtures.open(spark, settings(forgotten));
    new Ledger(spark, forgetting).acknowledge(RequestReader.fromIds(spark, List.of("train-100"),
        List.of("s-train-0", "s-train-1", "s-train-2"), "test"));
    batchId = new ForgetJob(spark, forgetting, settings(forgotten)).processPending("test").get(0).batchId();
    deleted = new java.util.HashSet<>();
    DeletedIds.of(List.of(new Ledger(spark, forgetting).routed(batchId)), Long.MAX_VALUE)
        .forEachRound(deleted::addAll);
    assertThat(deleted).hasSize(10);
  }

  static LetheSettings settings(Path store) {
    return Fixtures.blobSettings(store, train, test);
  }

  static void copyTree(Path from, Path to) throws IOException {
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

  /** A fresh copy of the store after the forget, to plant one fault in. */
  static Path copy(String name) throws IOException {
    Path target = dir.resolve(name);
    copyTree(forgotten, target);
    return target;
  }

  static LetheStore open(Path root) {
    return Fixtures.open(spark, settings(root));
  }

  /**
   * The full verifier reports exactly {@code expected}; one without {@code owner} does not, so the assertion
   * above can fail and it is {@code owner} that catches the fault.
   */
  static void assertCaught(Path root, Check owner, Finding... expected) {
    Verifier verifier = new Verifier(spark, open(root), settings(root));
    Verifier.Result result = verifier.run(false);
    assertThat(result.findings()).containsExactlyInAnyOrder(expected);
    assertThat(result.ok()).isFalse();

    Set<Check> weakened = EnumSet.allOf(Check.class);
    weakened.remove(owner);
    List<Finding> missed = verifier.run(false, weakened).findings();
    assertThatThrownBy(() -> assertThat(missed).containsExactlyInAnyOrder(expected))
        .as("a verifier without the %s check must miss this fault", owner)
        .isInstanceOf(AssertionError.class);
  }

  static Path local(LetheStore store, org.apache.hadoop.fs.Path path) {
    return Path.of(path.toUri());
  }

  /** An edit by a tool other than Hadoop leaves no checksum file; Hadoop's stale one would refuse the read. */
  static void dropHadoopChecksum(Path file) throws IOException {
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }

  static String servedCheckpoint(LetheStore store, int shard) {
    return store.readServedGeneration().shard(shard).orElseThrow().servedCheckpoint();
  }

  @Test
  void aStaleIdIndexEntryIsReported() throws IOException {
    Path root = copy("stale-index");
    LetheStore store = open(root);
    DataManifest data = store.readLatestDataManifest();
    List<IdIndex.Entry> entries = new ArrayList<>();
    IdIndex.forEach(store, data.idIndex(), entries::add);
    IdIndex.Entry row = entries.stream().filter(e -> e.recordId().equals("train-9")).findFirst().orElseThrow();
    IdIndex.Entry stale = new IdIndex.Entry(row.recordId(), row.subjectId(), (row.shard() + 1) % 3, row.slice());
    // As a faulty index writer would leave it: the wrong shard, and a manifest whose hash matches the file.
    org.apache.hadoop.fs.Path indexPath = IdIndex.resolve(store, data.idIndex());
    Files.delete(local(store, indexPath));
    dropHadoopChecksum(local(store, indexPath));
    DataManifest.IndexFile planted;
    try (IdIndex.Writer writer = IdIndex.writer(store, indexPath, data.idIndex().path())) {
      entries.forEach(e -> writer.add(e == row ? stale : e));
      planted = writer.finish();
    }
    Path manifest = local(store, store.layout().dataManifest(data.version()));
    Files.writeString(manifest, Json.write(data.withIdIndex(planted)));
    dropHadoopChecksum(manifest);

    assertCaught(root, Check.ID_INDEX, new Finding("id-index", "data version " + data.version(),
        "its id index disagrees with the data: 1 entry the data does not hold [train-9 (subject s-train-3) at shard "
            + stale.shard() + " slice " + stale.slice() + "] and 1 row(s) of the data it does not list [train-9"
            + " (subject s-train-3) at shard " + row.shard() + " slice " + row.slice() + "]; routing by it would"
            + " miss or misplace these rows: report this, and forget nothing on this store until the index is"
            + " rebuilt"));
  }

  @Test
  void anIdIndexChangedAfterItsCommitIsReported() throws IOException {
    Path root = copy("changed-index");
    LetheStore store = open(root);
    DataManifest data = store.readLatestDataManifest();
    List<IdIndex.Entry> entries = new ArrayList<>();
    IdIndex.forEach(store, data.idIndex(), entries::add);
    org.apache.hadoop.fs.Path indexPath = IdIndex.resolve(store, data.idIndex());
    Files.delete(local(store, indexPath));
    dropHadoopChecksum(local(store, indexPath));
    IdIndex.Entry last = entries.remove(entries.size() - 1);
    String hash;
    try (IdIndex.Writer writer = IdIndex.writer(store, indexPath, data.idIndex().path())) {
      entries.forEach(writer::add);
      hash = writer.finish().contentSha256();
    }

    assertCaught(root, Check.ID_INDEX,
        new Finding("id-index", "data version " + data.version(), "its id index " + indexPath + " hashes to "
            + hash + ", not to " + data.idIndex().contentSha256() + " as the manifest records: the file was changed"
            + " after commit"),
        new Finding("id-index", "data version " + data.version(), "its id index disagrees with the data: 0 entries"
            + " the data does not hold [] and 1 row(s) of the data it does not list [" + last.recordId()
            + " (subject " + last.subjectId() + ") at " + (last.inTestSplit() ? "the test split"
            : "shard " + last.shard() + " slice " + last.slice()) + "]; routing by it would miss or misplace these"
            + " rows: report this, and forget nothing on this store until the index is rebuilt"));
  }

  @Test
  void aCleanStoreHasNoFinding() {
    Verifier.Result result = new Verifier(spark, open(forgotten), settings(forgotten)).run(false);
    assertThat(result.findings()).isEmpty();
    assertThat(result.ok()).isTrue();
    assertThat(result.deletedRecords()).isEqualTo(10);
  }

  @Test
  void aDeletedRowPutBackIntoADataFileIsFound() throws IOException {
    Path root = copy("row-put-back");
    LetheStore old = open(trained);
    Path putBack = null;
    long rows = 0;
    try (Stream<Path> files = Files.walk(local(old, old.layout().examples(1)))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList()) {
        rows = spark.read().parquet(file.toString()).select("record_id").as(Encoders.STRING()).collectAsList()
            .stream().filter(deleted::contains).count();
        if (rows > 0) {
          putBack = file;
          break;
        }
      }
    }
    assertThat(putBack).isNotNull();
    Path target = root.resolve(trained.relativize(putBack).toString());
    assertThat(target).doesNotExist();
    Files.createDirectories(target.getParent());
    Files.copy(putBack, target);

    assertCaught(root, Check.DATA_FILES, new Finding("data-file", "file://" + target, rows + " row(s) of deleted records"));
  }

  @Test
  void aKeptCheckpointThatSawADeletedRecordIsFound() throws IOException {
    Path root = copy("kept-checkpoint");
    LetheStore store = open(root);
    LetheStore old = open(trained);
    StepResult.PurgedCheckpoint purged = new ForgetJournal(store, batchId).result(StepResult.Purged.class)
        .purgedCheckpoints().get(0);
    Files.copy(local(old, old.layout().checkpointZip(purged.sha256())),
        local(store, store.layout().checkpointZip(purged.sha256())));
    Files.copy(local(old, old.layout().checkpointProvenance(purged.sha256())),
        local(store, store.layout().checkpointProvenance(purged.sha256())));
    Provenance provenance = new CheckpointRepository(old).loadProvenance(purged.sha256());
    List<String> restoredSets = new ArrayList<>();
    for (String set : provenance.sliceRecordIdsSha256()) {
      Path target = local(store, store.layout().recordIdSet(set));
      if (!Files.exists(target)) {
        Files.copy(local(old, old.layout().recordIdSet(set)), target);
        restoredSets.add(set);
      }
    }
    assertThat(restoredSets).isNotEmpty();

    List<Finding> expected = new ArrayList<>();
    expected.add(new Finding("checkpoint", purged.sha256(), "shard " + purged.shard() + " slice " + purged.slice()
        + " was trained on deleted records (sets " + restoredSets + ")"));
    restoredSets.forEach(set -> expected.add(new Finding("record-id-set", set, "holds deleted record ids")));
    assertCaught(root, Check.TAINTED_CHECKPOINTS, expected.toArray(Finding[]::new));
  }

  @Test
  void anOldGenerationNamingPurgedCheckpointsIsFound() throws IOException {
    Path root = copy("old-generation");
    LetheStore store = open(root);
    GenerationManifest first = open(trained).readGeneration(1);
    long number = store.latestGeneration().getAsLong() + 1;
    store.commitGeneration(GenerationManifest.buildFrom(store.readGeneration(number - 1)).createdAt(
        first.createdAt()).reason("restored from a backup").dataVersion(first.dataVersion())
        .shards(first.shards()).build());

    List<StepResult.PurgedCheckpoint> purged = new ForgetJournal(store, batchId).result(StepResult.Purged.class)
        .purgedCheckpoints();
    Set<String> named = new LinkedHashSet<>(first.checkpoints());
    List<String> listed = new ArrayList<>();
    for (String sha : named) {
      purged.stream().filter(p -> p.sha256().equals(sha)).findFirst().ifPresent(p -> listed.add("shard "
          + p.shard() + " slice " + p.slice() + " " + sha + " by batch " + batchId));
    }
    assertThat(listed).hasSize(purged.size());
    assertCaught(root, Check.GENERATIONS, new Finding("generation", Long.toString(number), "names "
        + listed.size() + " checkpoint(s) purged because they saw deleted records (" + String.join(", ", listed)
        + "); it was published after that purge, and serving it would serve them"));
  }

  @Test
  void aCorruptedCheckpointZipIsFound() throws IOException {
    Path root = copy("corrupted-zip");
    LetheStore store = open(root);
    String sha = servedCheckpoint(store, 0);
    Path zip = local(store, store.layout().checkpointZip(sha));
    byte[] bytes = Files.readAllBytes(zip);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(zip, bytes);

    assertCaught(root, Check.CHECKPOINT_FILES, new Finding("checkpoint-file", sha, "its " + bytes.length
        + " bytes hash to " + CheckpointCodec.sha256Hex(bytes) + ", not to its name: the file is damaged; run"
        + " `lethe repair`"));
  }

  @Test
  void aTruncatedCheckpointZipIsFound() throws IOException {
    Path root = copy("truncated-zip");
    LetheStore store = open(root);
    String sha = servedCheckpoint(store, 1);
    Path zip = local(store, store.layout().checkpointZip(sha));
    byte[] bytes = Arrays.copyOf(Files.readAllBytes(zip), (int) Files.size(zip) / 2);
    Files.write(zip, bytes);

    assertCaught(root, Check.CHECKPOINT_FILES, new Finding("checkpoint-file", sha, "its " + bytes.length
        + " bytes hash to " + CheckpointCodec.sha256Hex(bytes) + ", not to its name: the file is damaged; run"
        + " `lethe repair`"));
  }

  @Test
  void aProvenanceWhoseHashesDisagreeWithItsZipIsFound() throws IOException {
    Path root = copy("provenance-disagrees");
    LetheStore store = open(root);
    String sha = servedCheckpoint(store, 0);
    String other = servedCheckpoint(store, 1);
    Path json = local(store, store.layout().checkpointProvenance(sha));
    String text = Files.readString(json, StandardCharsets.UTF_8);
    assertThat(text).contains("\"" + sha + "\"");
    Files.writeString(json, text.replace("\"" + sha + "\"", "\"" + other + "\""), StandardCharsets.UTF_8);
    dropHadoopChecksum(json);

    assertCaught(root, Check.CHECKPOINT_FILES, new Finding("provenance", sha, "names zip " + other + " but sits"
        + " beside checkpoint " + sha + ": its hashes disagree with its zip, so it does not describe this"
        + " checkpoint"));
  }

  @Test
  void aRecordIdSetThatDoesNotHashToItsNameIsFound() throws IOException {
    Path root = copy("damaged-id-set");
    LetheStore store = open(root);
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    String set = checkpoints.loadProvenance(servedCheckpoint(store, 0)).sliceRecordIdsSha256().get(0);
    Files.writeString(local(store, store.layout().recordIdSet(set)), "intruder\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    dropHadoopChecksum(local(store, store.layout().recordIdSet(set)));

    List<Finding> expected = new ArrayList<>();
    expected.add(new Finding("record-id-set", set, "its content does not hash to its name: the set is damaged, so"
        + " no checkpoint naming it can be shown clean"));
    new CheckpointScan(store).provenance().forEach((sha, p) -> {
      if (p.sliceRecordIdsSha256().contains(set)) {
        expected.add(new Finding("checkpoint", sha, "shard " + p.shard() + " slice " + p.slice() + ": its"
            + " record-id sets are missing or damaged, so it cannot be shown clean"));
      }
    });
    assertThat(expected).hasSizeGreaterThan(1);
    assertCaught(root, Check.RECORD_ID_SETS, expected.toArray(Finding[]::new));
  }

  @Test
  void aLeftoverStagingDirectoryIsFound() throws IOException {
    Path root = copy("staging-leftover");
    LetheStore store = open(root);
    Path leftover = local(store, store.layout().stagingDir()).resolve("train-20261202T050000-0badcafe");
    Files.createDirectories(leftover);
    Files.writeString(leftover.resolve("part-00000.parquet"), "half a file");

    assertCaught(root, Check.STAGING, new Finding("staging", store.layout().stagingDir().toString(),
        "1 leftover(s) of interrupted writes [train-20261202T050000-0badcafe]; the next writer removes them"));
  }
}
