package io.lethe.prep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.DataSettings;
import io.lethe.store.DataManifest.FileEntry;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareJobTest {
  private static SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = TestSpark.session();
  }

  private DataSettings csvSettings(Path csv, String salt) {
    return DataSettingsBuilder.csv(List.of(csv.toString())).idColumn("id").subjectColumn("subject")
        .featureColumns(List.of("f0", "f1", "f2", "f3")).numShards(3).numSlices(2).salt(salt).build();
  }

  @Test
  void withoutFeatureColumnsEveryColumnButIdSubjectAndLabelIsAFeature() throws Exception {
    Path csv = Fixtures.exampleCsv(tmp.resolve("train.csv"), 60, 20, 5);
    DataSettings implicit = DataSettingsBuilder.csv(List.of(csv.toString())).idColumn("id").subjectColumn("subject")
        .numShards(3).numSlices(2).salt("lethe").build();
    assertThat(implicit.featureColumns()).isEmpty();

    DataManifest fromDefault = PrepareJob.run(spark, TestSpark.openStore(tmp.resolve("implicit")), implicit, "t");
    DataManifest fromList = PrepareJob.run(spark, TestSpark.openStore(tmp.resolve("explicit")),
        csvSettings(csv, "lethe"), "t");

    assertThat(fromDefault.numFeatures()).isEqualTo(4);
    assertThat(fromDefault.partitions()).extracting(PartitionEntry::contentSha256)
        .containsExactlyElementsOf(fromList.partitions().stream().map(PartitionEntry::contentSha256).toList());
  }

  @Test
  void preparesCsvIntoOneSortedFilePerShardAndSlice() throws Exception {
    Path csv = Fixtures.exampleCsv(tmp.resolve("train.csv"), 200, 40, 11);
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    DataSettings settings = csvSettings(csv, "lethe");

    DataManifest manifest = PrepareJob.run(spark, store, settings, "test prepare");

    assertThat(store.dataVersions()).containsExactly(1);
    assertThat(store.readDataManifest(1)).isEqualTo(manifest);
    assertThat(manifest.version()).isEqualTo(1);
    assertThat(manifest.reason()).isEqualTo("test prepare");
    assertThat(manifest.settings()).isEqualTo(settings);
    assertThat(manifest.numFeatures()).isEqualTo(4);
    assertThat(manifest.numClasses()).isEqualTo(3);
    assertThat(manifest.trainRows()).isEqualTo(200);
    assertThat(manifest.testRows()).isZero();
    assertThat(manifest.test()).isNull();
    assertThat(manifest.partitions().stream().mapToLong(PartitionEntry::rows).sum()).isEqualTo(200);
    assertThat(manifest.partitions()).hasSize(6);

    Path dataDir = Path.of(store.layout().dataDir().toUri());
    for (PartitionEntry partition : manifest.partitions()) {
      assertThat(partition.files()).hasSize(1);
      FileEntry file = partition.files().get(0);
      assertThat(file.path()).matches("v000001/examples/shard=" + partition.shard() + "/slice=" + partition.slice()
          + "/part-[^/]*\\.parquet");
      assertThat(Files.size(dataDir.resolve(file.path()))).isEqualTo(file.bytes());
      try (var listing = Files.list(dataDir.resolve(file.path()).getParent())) {
        assertThat(listing.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".parquet")))
            .hasSize(1);
      }
      List<String> ids = spark.read().parquet(dataDir.resolve(file.path()).toString()).select("record_id")
          .collectAsList().stream().map(row -> row.getString(0)).toList();
      assertThat(ids).hasSize((int) partition.rows()).isSorted();
    }
    assertThat(Files.list(Path.of(store.layout().stagingDir().toUri()))).isEmpty();
  }

  @Test
  void loadsTheSameRowsWithTheirShardAndSliceAndMatchingContentHashes() {
    Path csv = Fixtures.exampleCsv(tmp.resolve("train.csv"), 200, 40, 11);
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    DataSettings settings = csvSettings(csv, "lethe");
    DataManifest manifest = PrepareJob.run(spark, store, settings, "prepare");

    var examples = PrepareJob.loadExamples(spark, store, 1);
    assertThat(examples.schema().apply("shard").dataType()).isEqualTo(DataTypes.IntegerType);
    assertThat(examples.schema().apply("slice").dataType()).isEqualTo(DataTypes.IntegerType);
    assertThat(examples.columns()).containsExactly("record_id", "subject_id", "label", "features", "shard", "slice");
    List<Row> rows = examples.collectAsList();
    assertThat(rows).hasSize(200);

    ShardAssigner assigner = ShardAssigner.of(settings);
    List<String> csvLines = readLines(csv);
    Map<String, String> lineById = csvLines.stream().skip(1)
        .collect(Collectors.toMap(line -> line.split(",")[0], line -> line));
    Map<String, List<Row>> bySubject = new java.util.HashMap<>();
    for (Row row : rows) {
      String id = row.getString(0);
      String[] fields = lineById.get(id).split(",");
      assertThat(row.getString(1)).isEqualTo(fields[1]);
      assertThat(row.getInt(2)).isEqualTo(Integer.parseInt(fields[2]));
      assertThat(ExampleSchema.features(row, 3)).containsExactly(Float.parseFloat(fields[3]),
          Float.parseFloat(fields[4]), Float.parseFloat(fields[5]), Float.parseFloat(fields[6]));
      assertThat(row.getInt(4)).isEqualTo(assigner.shardOf(id, fields[1]));
      assertThat(row.getInt(5)).isEqualTo(assigner.sliceOf(id, fields[1]));
      bySubject.computeIfAbsent(row.getString(1), subject -> new ArrayList<>()).add(row);
    }
    assertThat(bySubject).hasSize(40);
    bySubject.values().forEach(subjectRows -> assertThat(subjectRows.stream()
        .map(row -> row.getInt(4) + "/" + row.getInt(5)).distinct()).hasSize(1));

    Map<String, List<Row>> byPartition = rows.stream()
        .collect(Collectors.groupingBy(row -> row.getInt(4) + "/" + row.getInt(5)));
    assertThat(byPartition).hasSize(manifest.partitions().size());
    for (PartitionEntry partition : manifest.partitions()) {
      ContentHasher hasher = new ContentHasher();
      byPartition.get(partition.shard() + "/" + partition.slice()).stream()
          .sorted(Comparator.comparing(row -> row.getString(0)))
          .forEach(row -> hasher.update(row.getString(0), row.getString(1), row.getInt(2),
              ExampleSchema.features(row, 3)));
      assertThat(hasher.rows()).isEqualTo(partition.rows());
      assertThat(hasher.hex()).isEqualTo(partition.contentSha256());
    }
  }

  @Test
  void rerunWithSameInputsIsIdempotentAndANewSaltMakesANewVersion() throws Exception {
    Path csv = Fixtures.exampleCsv(tmp.resolve("train.csv"), 200, 40, 11);
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    DataManifest first = PrepareJob.run(spark, store, csvSettings(csv, "lethe"), "prepare");
    List<String> filesBefore = listTree(Path.of(store.layout().dataDir().toUri()));

    DataManifest again = PrepareJob.run(spark, store, csvSettings(csv, "lethe"), "prepare again");

    assertThat(again).isEqualTo(first);
    assertThat(store.dataVersions()).containsExactly(1);
    assertThat(listTree(Path.of(store.layout().dataDir().toUri()))).isEqualTo(filesBefore);

    DataManifest resalted = PrepareJob.run(spark, store, csvSettings(csv, "pepper"), "new salt");
    assertThat(store.dataVersions()).containsExactly(1, 2);
    assertThat(resalted.version()).isEqualTo(2);
    assertThat(resalted.settings().salt()).isEqualTo("pepper");
    assertThat(resalted.trainRows()).isEqualTo(200);
    assertThat(resalted.partitions()).isNotEqualTo(first.partitions());
    assertThat(Files.list(Path.of(store.layout().stagingDir().toUri()))).isEmpty();
  }

  @Test
  void preparesFashionMnistLayoutWithItsTestSplit() {
    Path dir = Fixtures.fashionMnistDir(tmp.resolve("fashion"), 40, 10, 4);
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    DataSettings settings = DataSettingsBuilder.fashionMnist().inputs(List.of(dir.toString())).numShards(2)
        .numSlices(2).build();

    DataManifest manifest = PrepareJob.run(spark, store, settings, "fashion");

    assertThat(manifest.trainRows()).isEqualTo(40);
    assertThat(manifest.testRows()).isEqualTo(10);
    assertThat(manifest.numFeatures()).isEqualTo(9);
    assertThat(manifest.numClasses()).isEqualTo(4);
    assertThat(manifest.test().shard()).isEqualTo(-1);
    assertThat(manifest.test().slice()).isEqualTo(-1);
    assertThat(manifest.test().rows()).isEqualTo(10);
    assertThat(manifest.test().files()).singleElement()
        .satisfies(file -> assertThat(file.path()).matches("v000001/test/part-[^/]*\\.parquet"));

    List<Row> test = PrepareJob.loadTestSplit(spark, store, 1).orderBy("record_id").collectAsList();
    assertThat(test).hasSize(10);
    assertThat(test.get(7).getString(0)).isEqualTo("test-00007");
    assertThat(test.get(7).getString(1)).isEqualTo("test-00007");
    assertThat(test.get(7).getInt(2)).isEqualTo(3);
    // Test image 7 starts at byte 7 * 9 of pixels (2 + i) % 256: 65/255, 66/255, ...
    assertThat(ExampleSchema.features(test.get(7), 3)[0]).isEqualTo(65 / 255f);
    assertThat(ExampleSchema.features(test.get(7), 3)[8]).isEqualTo(73 / 255f);
    ContentHasher testHash = new ContentHasher();
    test.forEach(row -> testHash.update(row.getString(0), row.getString(1), row.getInt(2),
        ExampleSchema.features(row, 3)));
    assertThat(testHash.hex()).isEqualTo(manifest.test().contentSha256());

    Row train42 = PrepareJob.loadExamples(spark, store, 1).filter("record_id = 'train-00012'").first();
    assertThat(train42.getInt(2)).isEqualTo(0);
    assertThat(ExampleSchema.features(train42, 3)[0]).isEqualTo(109 / 255f);
  }

  @Test
  void loadingAMissingVersionOrTestSplitNamesWhatExists() {
    Path csv = Fixtures.exampleCsv(tmp.resolve("train.csv"), 30, 30, 3);
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    PrepareJob.run(spark, store, csvSettings(csv, "lethe"), "prepare");

    assertThatThrownBy(() -> PrepareJob.loadExamples(spark, store, 2))
        .isInstanceOf(StoreException.class)
        .hasMessage("Data version 2 does not exist in store " + store.uri() + "; committed versions: [1].");
    assertThatThrownBy(() -> PrepareJob.loadTestSplit(spark, store, 1))
        .isInstanceOf(StoreException.class)
        .hasMessage("Data version 1 of store " + store.uri() + " has no test split: it was prepared without test"
            + " inputs. Prepare again with test inputs (--test-input or lethe.data.test-inputs).");
  }

  @Test
  void aFailedCommitLeavesNoStagingBehind() throws Exception {
    Path csv = Fixtures.exampleCsv(tmp.resolve("train.csv"), 30, 30, 3);
    LetheStore store = TestSpark.openStore(tmp.resolve("store"));
    // A version directory without a manifest is not a committed version, but its name is taken.
    Files.createDirectories(Path.of(store.layout().dataVersion(1).toUri()));

    assertThatThrownBy(() -> PrepareJob.run(spark, store, csvSettings(csv, "lethe"), "prepare"))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("Cannot commit " + store.layout().stagingDir() + "/prepare-")
        .hasMessageEndingWith(" to " + store.layout().dataVersion(1) + ": the target already exists. Committed"
            + " state is never overwritten; another writer may have committed first.");
    assertThat(store.dataVersions()).isEmpty();
    assertThat(Files.list(Path.of(store.layout().stagingDir().toUri()))).isEmpty();
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<String> listTree(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      return files.map(path -> dir.relativize(path) + ":" + path.toFile().length()).sorted().toList();
    }
  }
}
