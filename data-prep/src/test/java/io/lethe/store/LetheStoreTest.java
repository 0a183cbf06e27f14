package io.lethe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LetheStoreTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private LetheStore store;

  @BeforeEach
  void open() {
    store = LetheStore.open(dir.toString(), new Configuration(), false, CLOCK);
  }

  private static GenerationManifest generation(long number, String checkpoint) {
    return GenerationManifest.builder().number(number).createdAt("2026-11-22T10:00:00Z").reason("train")
        .key("train/" + number).dataVersion(1).model("cfg", "{}", 2, 1)
        .shard(ShardLineage.natural(0, 2, List.of("a" + checkpoint, checkpoint), 10)).build();
  }

  @Test
  void plainPathsBecomeFileUrisAndTheStoreRecordsItsFormat() {
    assertThat(store.uri().toString()).isEqualTo("file://" + dir.toAbsolutePath());
    assertThat(store.readString(store.layout().storeInfo())).contains("\"formatVersion\" : " + LetheStore.FORMAT_VERSION);
  }

  @Test
  void objectStoresAreRefusedUnlessTheRiskIsAccepted() {
    assertThatThrownBy(() -> LetheStore.open("s3a://bucket/lethe", new Configuration(), false, CLOCK))
        .isInstanceOf(StoreException.class)
        .hasMessage("Store s3a://bucket/lethe is on 's3a://', whose rename is not atomic: a crash during a commit"
            + " could expose half-written state. Use an HDFS or local store, or set"
            + " lethe.store.allow-non-atomic-rename = true to accept that risk.");
  }

  @Test
  void aNewerStoreFormatIsRefused() throws Exception {
    Files.writeString(dir.resolve("_lethe/store.json"), "{\"formatVersion\": 99, \"createdAt\": \"x\"}");
    Files.delete(dir.resolve("_lethe/.store.json.crc"));
    assertThatThrownBy(() -> LetheStore.open(dir.toString(), new Configuration(), false, CLOCK))
        .hasMessage("Store file://" + dir.toAbsolutePath() + " has format version 99 but this Lethe build reads up"
            + " to version " + LetheStore.FORMAT_VERSION + ". Upgrade Lethe.");
  }

  @Test
  void theNewestCommittedGenerationIsServedAndCommittedOnesAreNeverOverwritten() {
    assertThat(store.latestGeneration()).isEmpty();
    store.commitGeneration(generation(1, "b1"));
    store.commitGeneration(generation(2, "b2"));
    assertThat(store.generations()).containsExactly(1L, 2L);
    assertThat(store.readServedGeneration().shard(0).orElseThrow().servedCheckpoint()).isEqualTo("b2");

    assertThatThrownBy(() -> store.commitGeneration(generation(2, "other")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("the target already exists. Committed state is never overwritten");
    assertThat(store.readGeneration(2).shard(0).orElseThrow().servedCheckpoint()).isEqualTo("b2");
  }

  @Test
  void leftoversOfACrashedWriteAreInvisibleToReaders() throws Exception {
    store.commitGeneration(generation(1, "b1"));
    // A writer that died after staging a manifest but before its rename.
    org.apache.hadoop.fs.Path staging = store.newStagingDir("train");
    Files.writeString(Path.of(staging.toUri()).resolve("0000000002.json"), "{ half written");
    // A data version directory without its manifest (the manifest is written last).
    Files.createDirectories(Path.of(store.layout().examples(1).toUri()));

    assertThat(store.readServedGeneration().number()).isEqualTo(1);
    assertThat(store.dataVersions()).isEmpty();
  }

  @Test
  void contentAddressedFilesAreWrittenOnce() {
    org.apache.hadoop.fs.Path target = store.layout().checkpointZip("abc");
    assertThat(store.commitNewFile(target, "one".getBytes(StandardCharsets.UTF_8), true)).isTrue();
    assertThat(store.commitNewFile(target, "two".getBytes(StandardCharsets.UTF_8), true)).isFalse();
    assertThat(store.readString(target)).isEqualTo("one");
  }

  @Test
  void aMissingFileIsReportedWithItsPath() {
    assertThatThrownBy(() -> store.readServedGeneration())
        .hasMessage("Store file://" + dir.toAbsolutePath() + " has no trained generation yet. Run `lethe train"
            + " --store file://" + dir.toAbsolutePath() + "` first.");
  }

  @Test
  void aGenerationIsFoundByItsIdempotencyKeyAndRoundTripsItsLineage() {
    store.commitGeneration(generation(1, "x"));
    GenerationManifest second = GenerationManifest.buildFrom(store.readGeneration(1)).createdAt("2026-11-22T10:01:00Z")
        .reason("forget").key("forget/b-1/clean")
        .shard(new ShardLineage(0, List.of(new ShardLineage.Sequence(List.of(1, 0), List.of("p"))), 0, 1, 4))
        .build();
    store.commitGeneration(second);
    assertThat(store.generationWithKey("forget/b-1/clean")).contains(second);
    assertThat(store.generationWithKey("forget/b-2/clean")).isEmpty();
    assertThat(store.readGeneration(2).parent()).isEqualTo(1L);
    assertThat(store.readGeneration(2).shard(0).orElseThrow().servedSlices()).containsExactly(1);
  }

  @Test
  void generationsFromAnEarlierReleaseStillLoad() throws Exception {
    // Golden file: a generation manifest as written by format version 1; unknown fields must be ignored.
    String golden = new String(getClass().getResourceAsStream("/golden/generation-v1.json").readAllBytes(),
        StandardCharsets.UTF_8);
    GenerationManifest g = Json.read(golden, GenerationManifest.class, "golden generation");
    assertThat(g.number()).isEqualTo(3);
    assertThat(g.servedShards()).extracting(ShardLineage::shard).containsExactly(0);
    assertThat(g.shard(0).orElseThrow().sequences()).containsExactly(ShardLineage.Sequence.natural(2, List.of(
        "1e6f2a44c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6",
        "2f7a9c33d3c3b7e0c8d4f3a2b1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2")));
    assertThat(g.shard(0).orElseThrow().servesFullLineage(2)).isTrue();
    assertThat(g.shard(1).orElseThrow().sequences()).containsExactly(ShardLineage.Sequence.natural(2, List.of()));
    assertThat(g.shard(1).orElseThrow().isServed()).isFalse();
    assertThat(g.shard(0).orElseThrow().servedCheckpoint()).isEqualTo(
        "2f7a9c33d3c3b7e0c8d4f3a2b1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2");
  }
}
