package io.lethe.prep;

import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.regexp_extract;

import io.lethe.store.DataManifest;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.util.List;
import java.util.function.Predicate;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Reads a data version through its manifest rather than by listing directories: a version made by physical
 * deletion keeps the untouched partitions' files where an earlier version wrote them, so only the manifest knows
 * which files make up the version. Manifest file paths are relative to the store's {@code data/} directory.
 */
public final class ExamplesReader {
  private ExamplesReader() {}

  /** All training examples with their int {@code shard} and {@code slice} columns. */
  public static Dataset<Row> examples(SparkSession spark, LetheStore store, DataManifest manifest) {
    return read(spark, store, manifest, p -> true);
  }

  /** The training examples of one shard. */
  public static Dataset<Row> shard(SparkSession spark, LetheStore store, DataManifest manifest, int shard) {
    return read(spark, store, manifest, p -> p.shard() == shard);
  }

  /** The test split (record_id, subject_id, label, features). */
  public static Dataset<Row> testSplit(SparkSession spark, LetheStore store, DataManifest manifest) {
    if (manifest.test() == null) {
      throw new StoreException("Data version " + manifest.version() + " of store " + store.uri() + " has no test"
          + " split: it was prepared without test inputs. Prepare again with test inputs (--test-input or"
          + " lethe.data.test-inputs).");
    }
    return files(spark, store, manifest.test());
  }

  /** The absolute path of a manifest file entry. */
  public static Path resolve(LetheStore store, DataManifest.FileEntry file) {
    return new Path(store.layout().dataDir(), file.path());
  }

  /**
   * Reads the chosen partitions' files in one scan (Spark packs the small files into few tasks) and takes each
   * row's shard and slice from its file's directory, {@code shard=K/slice=R}, which every version keeps.
   */
  private static Dataset<Row> read(SparkSession spark, LetheStore store, DataManifest manifest,
      Predicate<PartitionEntry> which) {
    String[] paths = manifest.partitions().stream()
        .filter(which)
        .flatMap(p -> p.files().stream())
        .map(f -> resolve(store, f).toString())
        .toArray(String[]::new);
    if (paths.length == 0) {
      return spark.createDataFrame(List.of(), ExampleSchema.EXAMPLES);
    }
    Column file = input_file_name();
    return spark.read().schema(ExampleSchema.INPUT).parquet(paths)
        .withColumn(ExampleSchema.SHARD, regexp_extract(file, "/shard=(\\d+)/", 1).cast(DataTypes.IntegerType))
        .withColumn(ExampleSchema.SLICE, regexp_extract(file, "/slice=(\\d+)/", 1).cast(DataTypes.IntegerType));
  }

  private static Dataset<Row> files(SparkSession spark, LetheStore store, PartitionEntry partition) {
    String[] paths = partition.files().stream().map(f -> resolve(store, f).toString()).toArray(String[]::new);
    return spark.read().schema(ExampleSchema.INPUT).parquet(paths);
  }
}
