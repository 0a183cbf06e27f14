package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;

import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.LetheStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver-side rewrite of a partition must be indistinguishable from {@link PartitionWriter}'s by Spark. */
class LocalPartitionRewriterTest {
  private static SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = TestSpark.session();
  }

  @Test
  void leavesOutTheDeletedRowsWithTheRowsOrderAndContentHashOfSparksRewrite() throws Exception {
    LetheStore store = preparedStore();
    DataManifest manifest = store.readDataManifest(1);
    PartitionEntry partition = manifest.partitions().stream().max((a, b) -> Long.compare(a.rows(), b.rows()))
        .orElseThrow();
    List<Row> before = read(store, partition);
    // Two ids of the partition and one that is in no partition.
    Set<String> deleted = Set.of(before.get(1).getString(0), before.get(before.size() - 1).getString(0),
        "absent-id");

    PartitionEntry bySpark = sparkRewrite(store, partition, deleted, "spark");
    PartitionEntry local = LocalPartitionRewriter.rewrite(store, partition, deleted, dir(store, "local"), "local");

    assertThat(local.rows()).isEqualTo(before.size() - 2).isEqualTo(bySpark.rows());
    assertThat(local.contentSha256()).isEqualTo(bySpark.contentSha256());
    assertThat(local.contentSha256()).isNotEqualTo(partition.contentSha256());
    assertThat(local.files()).hasSize(1);
    assertThat(local.files().get(0).path()).startsWith("local/part-").endsWith(".parquet");
    // Spark reads the driver's file to the same rows, in the same order, as its own rewrite.
    assertThat(read(store, local)).containsExactlyElementsOf(read(store, bySpark));
    assertThat(read(store, local)).extracting(r -> r.getString(0)).doesNotContainAnyElementsOf(deleted);

    // A partition the driver rewrote is rewritten again by a later batch, and Spark's footer entries survive.
    String another = read(store, local).get(0).getString(0);
    PartitionEntry again = LocalPartitionRewriter.rewrite(store, local, Set.of(another), dir(store, "again"), "again");
    assertThat(again.rows()).isEqualTo(local.rows() - 1);
    assertThat(read(store, again)).containsExactlyElementsOf(read(store, local).subList(1, (int) local.rows()));
    try (org.apache.parquet.hadoop.ParquetFileReader reader = org.apache.parquet.hadoop.ParquetFileReader.open(
        org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(files(store, again).get(0),
            store.fs().getConf()))) {
      assertThat(reader.getFooter().getFileMetaData().getKeyValueMetaData())
          .containsKey("org.apache.spark.sql.parquet.row.metadata");
    }
  }

  @Test
  void ordersIdsAsSparkDoesByTheirUtf8BytesNotByJavaStrings() throws Exception {
    LetheStore store = preparedStore();
    DataManifest manifest = store.readDataManifest(1);
    // Java orders U+FF21 after the surrogate pair of U+1F600; UTF-8 bytes (and Spark) order it before.
    PartitionEntry holding = manifest.partitions().stream()
        .filter(p -> read(store, p).stream().anyMatch(r -> r.getString(0).startsWith("\uFF21")))
        .findFirst().orElseThrow();
    List<String> ids = read(store, holding).stream().map(r -> r.getString(0)).toList();

    PartitionEntry local = LocalPartitionRewriter.rewrite(store, holding, Set.of("r000"), dir(store, "local"), "local");
    PartitionEntry bySpark = sparkRewrite(store, holding, Set.of("r000"), "spark");

    assertThat(read(store, local)).extracting(r -> r.getString(0))
        .containsExactlyElementsOf(ids.stream().filter(id -> !id.equals("r000")).toList());
    assertThat(local.contentSha256()).isEqualTo(bySpark.contentSha256());
  }

  @Test
  void aPartitionWhoseEveryRowIsDeletedKeepsItsEntryWithNoFiles() throws Exception {
    LetheStore store = preparedStore();
    PartitionEntry partition = store.readDataManifest(1).partitions().get(0);
    Set<String> all = read(store, partition).stream().map(r -> r.getString(0)).collect(Collectors.toSet());

    PartitionEntry local = LocalPartitionRewriter.rewrite(store, partition, all, dir(store, "local"), "local");

    assertThat(local).isEqualTo(sparkRewrite(store, partition, all, "spark"));
    assertThat(local.rows()).isZero();
    assertThat(local.files()).isEmpty();
  }

  private LetheStore preparedStore() throws Exception {
    Random random = new Random(7);
    List<String> lines = new ArrayList<>();
    lines.add("id,subject,label,f0,f1,f2");
    for (int i = 0; i < 120; i++) {
      lines.add(String.format(Locale.ROOT, "r%03d,s%d,%d,%.4f,%.4f,%.4f", i, i % 40, i % 3,
          random.nextGaussian(), random.nextGaussian(), random.nextGaussian()));
    }
    // One subject, so one partition, holds both ids whose Java and UTF-8 orders differ.
    lines.add("\uFF21-fullwidth,sx,1,0.1,0.2,0.3");
    lines.add("\uD83D\uDE00-emoji,sx,2,0.3,0.2,0.1");
    lines.add("r000x,sx,0,0.5,0.5,0.5");
    Path csv = Fixtures.writeLines(tmp.resolve("train.csv"), lines.toArray(String[]::new));
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    PrepareJob.run(spark, store, DataSettingsBuilder.csv(List.of(csv.toString())).idColumn("id")
        .subjectColumn("subject").numShards(2).numSlices(2).salt("lethe").build(), "test");
    return store;
  }

  private static PartitionEntry sparkRewrite(LetheStore store, PartitionEntry partition, Set<String> deleted,
      String relativeDir) {
    Dataset<Row> kept = spark.read().schema(ExampleSchema.INPUT).parquet(paths(store, partition))
        .filter((org.apache.spark.api.java.function.FilterFunction<Row>) r -> !deleted.contains(r.getString(0)));
    return PartitionWriter.write(store, kept, partition.shard(), partition.slice(), dir(store, relativeDir),
        relativeDir);
  }

  private static List<Row> read(LetheStore store, PartitionEntry partition) {
    if (partition.files().isEmpty()) {
      return List.of();
    }
    return spark.read().schema(ExampleSchema.INPUT).parquet(paths(store, partition)).collectAsList();
  }

  private static List<org.apache.hadoop.fs.Path> files(LetheStore store, PartitionEntry partition) {
    return partition.files().stream().map(f -> ExamplesReader.resolve(store, f)).toList();
  }

  private static String[] paths(LetheStore store, PartitionEntry partition) {
    return files(store, partition).stream().map(Object::toString).toArray(String[]::new);
  }

  private static org.apache.hadoop.fs.Path dir(LetheStore store, String relativeDir) {
    return new org.apache.hadoop.fs.Path(store.layout().dataDir(), relativeDir);
  }
}
