package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prepares the real Fashion-MNIST (the Debian package, or LETHE_FASHION_MNIST_DIR) into 8 shards x 4 slices. */
@Tag("integration")
class FashionMnistIntegrationTest {
  @Test
  void preparesFashionMnistIntoEightEvenShards(@TempDir Path tmp) {
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));

    DataManifest manifest = PrepareJob.run(TestSpark.session(), store,
        DataSettingsBuilder.fashionMnistDefaults(8, 4), "integration");

    assertThat(manifest.trainRows()).isEqualTo(60_000);
    assertThat(manifest.testRows()).isEqualTo(10_000);
    assertThat(manifest.numFeatures()).isEqualTo(784);
    assertThat(manifest.numClasses()).isEqualTo(10);
    assertThat(manifest.partitions()).hasSize(32).allSatisfy(p -> assertThat(p.files()).hasSize(1));
    assertThat(manifest.partitions().stream().mapToLong(PartitionEntry::rows).sum()).isEqualTo(60_000);
    IntStream.range(0, 8).forEach(shard -> assertThat(manifest.shardRows(shard)).isBetween(6_500L, 8_500L));
    assertThat(PrepareJob.loadExamples(TestSpark.session(), store, 1).count()).isEqualTo(60_000);
    assertThat(PrepareJob.loadTestSplit(TestSpark.session(), store, 1).count()).isEqualTo(10_000);
  }
}
