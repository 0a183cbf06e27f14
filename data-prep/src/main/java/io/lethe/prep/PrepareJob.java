package io.lethe.prep;

import static io.lethe.prep.ExampleSchema.FEATURES;
import static io.lethe.prep.ExampleSchema.LABEL;
import static io.lethe.prep.ExampleSchema.RECORD_ID;
import static io.lethe.prep.ExampleSchema.SHARD;
import static io.lethe.prep.ExampleSchema.SLICE;
import static io.lethe.prep.ExampleSchema.SUBJECT_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.DataSettings;
import io.lethe.store.DataManifest.FileEntry;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.FailPoints;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prepare step: reads and validates the inputs, assigns every training row its shard and slice, and commits
 * the examples as the next data version of the store, one Parquet file per shard/slice partition in record_id
 * order. Nothing is written unless both splits are valid, and nothing is committed when the newest version already
 * holds the same content under the same settings. The caller holds the store's writer lock.
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);
  private static final String STAGING_PURPOSE = "prepare";
  /** Shard and slice of the test split's entry in the manifest. */
  private static final int TEST_PARTITION = -1;
  private static final String PARQUET_PREFIX = "part-";
  private static final String PARQUET_SUFFIX = ".parquet";
  private static final StructType PARTITION_HASHES = new StructType()
      .add(SHARD, DataTypes.IntegerType, false)
      .add(SLICE, DataTypes.IntegerType, false)
      .add("rows", DataTypes.LongType, false)
      .add("sha256", DataTypes.StringType, false);

  private PrepareJob() {}

  /**
   * Prepares the inputs the settings name into a new data version, or returns the newest version's manifest when
   * it already holds exactly this content under these settings.
   *
   * @param reason why this version is made, recorded in its manifest
   * @throws InvalidInputException when an input is missing, unreadable or fails validation; nothing was written
   */
  public static DataManifest run(SparkSession spark, LetheStore store, DataSettings settings, String reason) {
    return run(spark, store, settings, reason, null);
  }

  /**
   * As {@link #run(SparkSession, LetheStore, DataSettings, String)}, leaving out the rows of records and subjects
   * whose deletion was requested, so that preparing the raw inputs again never brings forgotten rows back.
   *
   * @param forgotten rows (id_kind "record" or "subject", id), or null for none
   */
  public static DataManifest run(SparkSession spark, LetheStore store, DataSettings settings, String reason,
      Dataset<Row> forgotten) {
    ShardAssigner assigner = ShardAssigner.of(settings);
    ExampleInput train = InputLoader.loadTrain(spark, settings);
    Optional<ExampleInput> test = InputLoader.loadTest(spark, settings);
    // Validation, hashing and writing each pass over the inputs; read them once.
    train.rows().persist();
    test.ifPresent(input -> input.rows().persist());
    try {
      InputSummary trainSummary = InputValidator.validateTrain(train);
      Optional<InputSummary> testSummary = test.map(input -> InputValidator.validateTest(input, trainSummary));
      LOG.info("Validated {}: {} rows, {} features, {} classes", train.name(), trainSummary.rows(),
          trainSummary.numFeatures(), trainSummary.numClasses());
      testSummary.ifPresent(summary -> LOG.info("Validated {}: {} rows", test.get().name(), summary.rows()));

      // Spark's partitioned writer needs rows ordered by the partition columns. Rows ordered by (shard, slice,
      // record_id) satisfy it, so Spark adds no sort of its own, which would order by shard and slice alone and
      // need not keep the record_id order each file is promised to have.
      Dataset<Row> kept = withoutForgotten(train.rows(), forgotten);
      InputSummary keptSummary = forgotten == null ? trainSummary
          : new InputSummary(kept.count(), trainSummary.numFeatures(), trainSummary.numClasses());
      if (keptSummary.rows() < trainSummary.rows()) {
        LOG.info("Left out {} row(s) of records or subjects whose deletion was requested",
            trainSummary.rows() - keptSummary.rows());
      }
      String priorColumn = settings.deletionPriorColumn();
      if (priorColumn != null) {
        PriorSlicing.validate(train.rows(), priorColumn, train.name());
      }
      Dataset<Row> assigned = kept.map(new AssignShardAndSlice(assigner), Encoders.row(priorColumn == null
          ? ExampleSchema.EXAMPLES : ExampleSchema.EXAMPLES.add(ExampleSchema.DELETION_PRIOR,
              DataTypes.DoubleType, true)));
      Map<Integer, Double> priorSums = Map.of();
      if (priorColumn != null) {
        assigned = PriorSlicing.assign(assigned, settings.numSlices());
        priorSums = PriorSlicing.sums(assigned, settings.numSlices());
        assigned = assigned.drop(ExampleSchema.DELETION_PRIOR);
      }
      Dataset<Row> examples = assigned
          .repartitionById(settings.numShards(), col(SHARD))
          .sortWithinPartitions(SHARD, SLICE, RECORD_ID);
      Optional<Dataset<Row>> testRows = test.map(input -> withoutForgotten(input.rows(), forgotten).coalesce(1)
          .sortWithinPartitions(RECORD_ID));
      List<PartitionHash> hashes = withPriorSums(hashPartitions(examples), priorSums, settings.numSlices());
      Optional<PartitionHash> testHash = testRows.map(rows -> hashPartitions(
          rows.withColumn(SHARD, lit(TEST_PARTITION)).withColumn(SLICE, lit(TEST_PARTITION))).get(0));

      OptionalInt latest = store.latestDataVersion();
      if (latest.isPresent()) {
        DataManifest current = store.readDataManifest(latest.getAsInt());
        if (holdsSameContent(current, settings, hashes, testHash)) {
          LOG.info("Data version {} is up to date with these inputs and settings; nothing committed.",
              current.version());
          return current;
        }
      }
      Optional<InputSummary> keptTest = testRows.map(rows -> new InputSummary(rows.count(),
          trainSummary.numFeatures(), trainSummary.numClasses()));
      Draft draft = new Draft(latest.orElse(0) + 1, reason, settings, keptSummary, forgotten == null ? testSummary
          : keptTest, hashes, testHash);
      return commit(store, examples, testRows, draft);
    } finally {
      train.rows().unpersist();
      test.ifPresent(input -> input.rows().unpersist());
    }
  }

  /** The training examples of a committed data version, with int {@code shard} and {@code slice} columns. */
  public static Dataset<Row> loadExamples(SparkSession spark, LetheStore store, int version) {
    requireVersion(store, version);
    return ExamplesReader.examples(spark, store, store.readDataManifest(version));
  }

  /** The test split of a committed data version. */
  public static Dataset<Row> loadTestSplit(SparkSession spark, LetheStore store, int version) {
    requireVersion(store, version);
    return ExamplesReader.testSplit(spark, store, store.readDataManifest(version));
  }

  private static void requireVersion(LetheStore store, int version) {
    List<Integer> versions = store.dataVersions();
    if (!versions.contains(version)) {
      throw new StoreException("Data version " + version + " does not exist in store " + store.uri()
          + "; committed versions: " + versions + ".");
    }
  }

  private static List<PartitionHash> withPriorSums(List<PartitionHash> hashes, Map<Integer, Double> sums,
      int numSlices) {
    if (sums.isEmpty()) {
      return hashes;
    }
    return hashes.stream().map(hash -> new PartitionHash(hash.shard(), hash.slice(), hash.rows(), hash.sha256(),
        sums.getOrDefault(hash.shard() * numSlices + hash.slice(), 0.0))).toList();
  }

  /** Content hashes per (shard, slice), computed where the rows are; the driver only receives the hashes. */
  private static List<PartitionHash> hashPartitions(Dataset<Row> sortedRows) {
    return sortedRows.select(SHARD, SLICE, RECORD_ID, SUBJECT_ID, LABEL, FEATURES)
        .mapPartitions(new HashPartitions(), Encoders.row(PARTITION_HASHES))
        .collectAsList().stream()
        .map(row -> new PartitionHash(row.getInt(0), row.getInt(1), row.getLong(2), row.getString(3), null))
        .sorted(Comparator.comparingInt(PartitionHash::shard).thenComparingInt(PartitionHash::slice))
        .toList();
  }

  private static Dataset<Row> withoutForgotten(Dataset<Row> rows, Dataset<Row> forgotten) {
    if (forgotten == null) {
      return rows;
    }
    Dataset<Row> records = forgotten.filter(col("id_kind").equalTo("record")).select(col("id").as("forgotten_id"));
    Dataset<Row> subjects = forgotten.filter(col("id_kind").equalTo("subject")).select(col("id").as("forgotten_id"));
    return rows.join(records, rows.col(RECORD_ID).equalTo(records.col("forgotten_id")), "left_anti")
        .join(subjects, rows.col(SUBJECT_ID).equalTo(subjects.col("forgotten_id")), "left_anti");
  }

  private static boolean holdsSameContent(DataManifest current, DataSettings settings, List<PartitionHash> hashes,
      Optional<PartitionHash> testHash) {
    List<PartitionHash> committed = current.partitions().stream().map(PartitionHash::of).toList();
    return settings.equals(current.settings())
        && hashes.equals(committed)
        && Objects.equals(testHash.orElse(null), current.test() == null ? null : PartitionHash.of(current.test()));
  }

  private static DataManifest commit(LetheStore store, Dataset<Row> examples, Optional<Dataset<Row>> testRows,
      Draft draft) {
    StoreLayout layout = store.layout();
    int version = draft.version();
    Path versionDir = layout.dataVersion(version);
    Path staged = store.newStagingDir(STAGING_PURPOSE);
    boolean committed = false;
    try {
      examples.write().option("maxRecordsPerFile", 0).partitionBy(SHARD, SLICE)
          .parquet(new Path(staged, relative(versionDir, layout.examples(version))).toString());
      String testDir = relative(versionDir, layout.testSplit(version));
      testRows.ifPresent(rows -> rows.write().option("maxRecordsPerFile", 0)
          .parquet(new Path(staged, testDir).toString()));

      List<PartitionEntry> partitions = new ArrayList<>();
      for (PartitionHash hash : draft.hashes()) {
        String dir = relative(versionDir, layout.examplePartition(version, hash.shard(), hash.slice()));
        partitions.add(hash.toEntry(listParquetFiles(store, staged, dir, versionDir.getName())));
      }
      PartitionEntry test = draft.testHash().map(hash -> hash.toEntry(listParquetFiles(store, staged, testDir, versionDir.getName())))
          .orElse(null);
      // The id index is read back from the files just staged, so it describes exactly what the version holds.
      SparkSession spark = examples.sparkSession();
      Dataset<Row> stagedTrain = spark.read()
          .parquet(new Path(staged, relative(versionDir, layout.examples(version))).toString());
      Dataset<Row> stagedTest = testRows.isPresent() ? spark.read().parquet(new Path(staged, testDir).toString())
          : null;
      String indexPath = relative(versionDir, layout.idIndex(version));
      DataManifest.IndexFile index = IdIndexRows.write(store, IdIndexRows.of(stagedTrain, stagedTest),
          new Path(staged, indexPath), versionDir.getName() + "/" + indexPath);
      DataManifest manifest = new DataManifest(LetheStore.FORMAT_VERSION, version, null,
          store.clock().instant().toString(), draft.reason(), draft.settings(), draft.train().numFeatures(),
          draft.train().numClasses(), draft.train().rows(), draft.test().map(InputSummary::rows).orElse(0L),
          partitions, test, index);
      // The manifest goes last: a version directory with a manifest is complete.
      writeFile(store, new Path(staged, relative(versionDir, layout.dataManifest(version))), Json.write(manifest));
      FailPoints.check("prepare.before-commit");
      store.commitRename(staged, versionDir);
      committed = true;
      LOG.info("Committed data version {} ({}): {} train rows in {} partitions of {} shards x {} slices, {} test"
          + " rows", version, draft.reason(), manifest.trainRows(), partitions.size(), draft.settings().numShards(),
          draft.settings().numSlices(), manifest.testRows());
      return manifest;
    } finally {
      if (!committed) {
        store.deleteIfExists(staged);
      }
    }
  }

  /**
   * The Parquet files Spark wrote into {@code dir} (relative to the staged version), without its marker files, named
   * as manifests name files: relative to the store's data directory, so later versions can share them.
   */
  private static List<FileEntry> listParquetFiles(LetheStore store, Path staged, String dir, String versionName) {
    List<FileEntry> files = store.list(new Path(staged, dir)).stream()
        .filter(status -> status.isFile() && status.getPath().getName().startsWith(PARQUET_PREFIX)
            && status.getPath().getName().endsWith(PARQUET_SUFFIX))
        .map((FileStatus status) -> new FileEntry(versionName + "/" + dir + "/" + status.getPath().getName(),
            status.getLen()))
        .sorted(Comparator.comparing(FileEntry::path))
        .toList();
    if (files.isEmpty()) {
      throw new IllegalStateException("Spark wrote no Parquet file into " + new Path(staged, dir) + " although"
          + " rows were hashed for it; the staged version is dropped.");
    }
    return files;
  }

  private static String relative(Path base, Path child) {
    String basePath = base.toUri().getPath();
    return child.toUri().getPath().substring(basePath.length() + 1);
  }

  private static void writeFile(LetheStore store, Path path, String content) {
    try (OutputStream out = store.fs().create(path, false)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new StoreException("Cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Row count, content hash and (with a prior column) deletion prior sum of one shard/slice partition (shard and
   * slice -1 for the test split).
   */
  private record PartitionHash(int shard, int slice, long rows, String sha256, Double priorSum) {
    static PartitionHash of(PartitionEntry entry) {
      return new PartitionHash(entry.shard(), entry.slice(), entry.rows(), entry.contentSha256(),
          entry.deletionPriorSum());
    }

    PartitionEntry toEntry(List<FileEntry> files) {
      return new PartitionEntry(shard, slice, rows, sha256, files, priorSum);
    }
  }

  /** Everything a new version's manifest says, known before its files are written. */
  private record Draft(int version, String reason, DataSettings settings, InputSummary train,
      Optional<InputSummary> test, List<PartitionHash> hashes, Optional<PartitionHash> testHash) {}

  /** Appends the shard and slice the assigner gives each row. */
  private static final class AssignShardAndSlice implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final ShardAssigner assigner;

    AssignShardAndSlice(ShardAssigner assigner) {
      this.assigner = assigner;
    }

    @Override
    public Row call(Row row) {
      String recordId = row.getString(0);
      String subjectId = row.getString(1);
      int shard = assigner.shardOf(recordId, subjectId);
      int slice = assigner.sliceOf(recordId, subjectId);
      return row.size() > 4
          ? RowFactory.create(recordId, subjectId, row.get(2), row.get(3), shard, slice, row.get(4))
          : RowFactory.create(recordId, subjectId, row.get(2), row.get(3), shard, slice);
    }
  }

  /**
   * Hashes rows ordered by shard, slice and record_id (shard, slice, record_id, subject_id, label, features), one
   * output row per (shard, slice) run.
   */
  private static final class HashPartitions implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      List<Row> hashes = new ArrayList<>();
      ContentHasher hasher = null;
      int shard = 0;
      int slice = 0;
      while (rows.hasNext()) {
        Row row = rows.next();
        if (hasher == null || row.getInt(0) != shard || row.getInt(1) != slice) {
          if (hasher != null) {
            hashes.add(RowFactory.create(shard, slice, hasher.rows(), hasher.hex()));
          }
          hasher = new ContentHasher();
          shard = row.getInt(0);
          slice = row.getInt(1);
        }
        hasher.update(row.getString(2), row.getString(3), row.getInt(4), ExampleSchema.features(row, 5));
      }
      if (hasher != null) {
        hashes.add(RowFactory.create(shard, slice, hasher.rows(), hasher.hex()));
      }
      return hashes.iterator();
    }
  }
}
