package io.lethe.jobs.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.cli.LetheCli;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.forget.Verifier;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DamagedFileException;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointRepairTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path train;
  static Path test;
  static Path trained;

  record Run(int code, String out, String err) {}

  @BeforeAll
  static void trainedStore() {
    spark = Fixtures.spark();
    train = Fixtures.blobsCsv(dir, "train", 360, 7);
    test = Fixtures.blobsCsv(dir, "test", 90, 8);
    trained = dir.resolve("trained");
    LetheSettings settings = settings(trained);
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
  }

  static LetheSettings settings(Path store) {
    return Fixtures.blobSettings(store, train, test);
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

  static Run repair(Path root, String... extra) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args = Stream.concat(Stream.of("repair", "--store", root.toString()), Arrays.stream(extra))
        .toArray(String[]::new);
    int code = LetheCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static Path zip(LetheStore store, String sha) {
    return Path.of(store.layout().checkpointZip(sha).toUri());
  }

  @Test
  void aCorruptedServedAndATruncatedIntermediateCheckpointAreRebuiltByteForByte() throws IOException {
    Path root = copy("damaged");
    LetheStore store = Fixtures.open(spark, settings(root));
    GenerationManifest served = store.readServedGeneration();
    String servedSha = served.shard(0).orElseThrow().servedCheckpoint();
    String intermediateSha = served.shard(1).orElseThrow().sequences().get(0).checkpoint(1);
    byte[] servedOriginal = Files.readAllBytes(zip(store, servedSha));
    byte[] intermediateOriginal = Files.readAllBytes(zip(store, intermediateSha));
    byte[] flipped = servedOriginal.clone();
    flipped[flipped.length / 3] ^= 0x01;
    Files.write(zip(store, servedSha), flipped);
    Files.write(zip(store, intermediateSha), Arrays.copyOf(intermediateOriginal, 100));
    assertThat(new Verifier(spark, store, settings(root)).run(false).findings()).hasSize(2);

    Run run = repair(root);

    assertThat(run.err()).isEmpty();
    assertThat(run.code()).isZero();
    assertThat(run.out().lines().toList()).containsExactlyInAnyOrder(
        "Repaired checkpoint " + intermediateSha + " (shard 1 slice 0): retrained, and its bytes hash to its name.",
        "Repaired checkpoint " + servedSha + " (shard 0 slice 1): retrained, and its bytes hash to its name.");
    assertThat(Files.readAllBytes(zip(store, servedSha))).isEqualTo(servedOriginal);
    assertThat(Files.readAllBytes(zip(store, intermediateSha))).isEqualTo(intermediateOriginal);
    assertThat(store.list(store.layout().stagingDir())).isEmpty();
    assertThat(new Verifier(spark, store, settings(root)).run(false).findings()).isEmpty();
    assertThat(repair(root).out()).isEqualTo("Every checkpoint is intact; nothing to repair."
        + System.lineSeparator());
  }

  @Test
  void aMissingServedCheckpointIsNamedWhenLoadedAndRebuiltByRepair() throws IOException {
    Path root = copy("missing");
    LetheStore store = Fixtures.open(spark, settings(root));
    String sha = store.readServedGeneration().shard(2).orElseThrow().servedCheckpoint();
    byte[] original = Files.readAllBytes(zip(store, sha));
    Files.delete(zip(store, sha));
    Files.deleteIfExists(zip(store, sha).resolveSibling("." + sha + ".zip.crc"));

    assertThatThrownBy(() -> new CheckpointRepository(store).loadBytes(sha))
        .isInstanceOf(DamagedFileException.class)
        .hasMessage("Checkpoint " + sha + " is missing from store " + store.uri() + ". Run `lethe repair` to rebuild"
            + " it from its data.");
    Run run = repair(root);

    assertThat(run.code()).isZero();
    assertThat(run.out()).isEqualTo("Repaired checkpoint " + sha + " (shard 2 slice 1): retrained, and its bytes"
        + " hash to its name." + System.lineSeparator());
    assertThat(Files.readAllBytes(zip(store, sha))).isEqualTo(original);
  }

  @Test
  void aCheckpointWhoseTrainingDataWasDeletedIsRefusedAndLeftAlone() throws IOException {
    Path root = copy("refused");
    LetheStore store = Fixtures.open(spark, settings(root));
    String tainted = store.readServedGeneration().shard(0).orElseThrow().servedCheckpoint();
    String subject = spark.read().parquet(store.layout().examplePartition(1, 0, 1).toString())
        .select("subject_id").first().getString(0);
    new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark, List.of(), List.of(subject), "test"));
    new ForgetJob(spark, store, settings(root)).processPending("test");
    assertThat(store.exists(store.layout().checkpointZip(tainted))).isFalse();
    Files.copy(trained.resolve("models/ckpt/" + tainted + ".json"),
        Path.of(store.layout().checkpointProvenance(tainted).toUri()));

    Run run = repair(root, "--checkpoint", tainted);

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("Cannot repair checkpoint " + tainted + " (shard 0 slice 1): the data it was"
        + " trained on no longer exists (records it saw were deleted or rewritten). Its shard is retrained forward"
        + " from an intact checkpoint instead, as forget does: run `lethe train --force`." + System.lineSeparator());
    assertThat(store.exists(store.layout().checkpointZip(tainted))).isFalse();
  }
}
