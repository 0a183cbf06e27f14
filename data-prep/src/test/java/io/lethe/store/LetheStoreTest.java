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
    return new GenerationManifest(LetheStore.FORMAT_VERSION, number, number == 1 ? null : number - 1,
        "2026-11-22T10:00:00Z", "train", 1, "cfg", "{}", 2, 1,
        List.of(new GenerationManifest.ShardEntry(0, List.of("a" + checkpoint, checkpoint), 1, 10)));
  }

  @Test
  void plainPathsBecomeFileUrisAndTheStoreRecordsItsFormat() {
    assertThat(store.uri().toString()).isEqualTo("file://" + dir.toAbsolutePath());
    assertThat(store.readString(store.layout().storeInfo())).contains("\"formatVersion\" : 1");
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
            + " to version 1. Upgrade Lethe.");
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
  void generationsFromAnEarlierReleaseStillLoad() throws Exception {
    // Golden file: a generation manifest as written by format version 1; unknown fields must be ignored.
    String golden = new String(getClass().getResourceAsStream("/golden/generation-v1.json").readAllBytes(),
        StandardCharsets.UTF_8);
    GenerationManifest g = Json.read(golden, GenerationManifest.class, "golden generation");
    assertThat(g.number()).isEqualTo(3);
    assertThat(g.servedShards()).extracting(GenerationManifest.ShardEntry::shard).containsExactly(0);
    assertThat(g.shard(1).orElseThrow().isServed()).isFalse();
    assertThat(g.shard(0).orElseThrow().servedCheckpoint()).isEqualTo(
        "2f7a9c33d3c3b7e0c8d4f3a2b1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2");
  }
}
