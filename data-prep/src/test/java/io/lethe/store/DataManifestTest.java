package io.lethe.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.store.DataManifest.FileEntry;
import io.lethe.store.DataManifest.PartitionEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataManifestTest {
  private static final List<FileEntry> FILES = List.of(new FileEntry("v2/examples/shard=0/slice=1/part-0.parquet", 9));

  @Test
  void aRewrittenPartitionKeepsItsDeletionPriorSumInProportionToTheRowsKept() {
    PartitionEntry before = new PartitionEntry(0, 1, 40, "old", FILES, 6.0);
    PartitionEntry rewritten = new PartitionEntry(0, 1, 30, "new", FILES);

    PartitionEntry carried = rewritten.withPriorSumCarriedFrom(before);

    assertThat(carried.deletionPriorSum()).isEqualTo(4.5);
    assertThat(carried).usingRecursiveComparison().ignoringFields("deletionPriorSum").isEqualTo(rewritten);
  }

  @Test
  void aPartitionWithoutAPriorSumStaysWithoutOneAndAnEmptiedOneSumsToZero() {
    PartitionEntry rewritten = new PartitionEntry(0, 1, 0, "empty", List.of());

    assertThat(rewritten.withPriorSumCarriedFrom(new PartitionEntry(0, 1, 40, "old", FILES)).deletionPriorSum())
        .isNull();
    assertThat(rewritten.withPriorSumCarriedFrom(new PartitionEntry(0, 1, 40, "old", FILES, 6.0))
        .deletionPriorSum()).isEqualTo(0.0);
  }
}
