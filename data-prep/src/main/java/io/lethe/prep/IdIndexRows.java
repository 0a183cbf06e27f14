package io.lethe.prep;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.lethe.store.DataManifest;
import io.lethe.store.IdIndex;
import io.lethe.store.LetheStore;
import java.util.Iterator;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * The id index rows of examples that Spark holds, and their writing into an {@link IdIndex} file: what a prepare
 * does for its new version, and what a data rewrite does for a version that has no index to carry over (one
 * written before the index existed).
 */
public final class IdIndexRows {
  private IdIndexRows() {}

  /**
   * (record_id, subject_id, shard, slice) of training rows (with int shard and slice columns) and, when not null,
   * of test rows (input schema), which get shard and slice {@value IdIndex#TEST}.
   */
  public static Dataset<Row> of(Dataset<Row> train, Dataset<Row> test) {
    Dataset<Row> ids = train.select(col(ExampleSchema.RECORD_ID), col(ExampleSchema.SUBJECT_ID),
        col(ExampleSchema.SHARD).cast(DataTypes.IntegerType), col(ExampleSchema.SLICE).cast(DataTypes.IntegerType));
    if (test != null) {
      ids = ids.unionByName(test.select(col(ExampleSchema.RECORD_ID), col(ExampleSchema.SUBJECT_ID),
          lit(IdIndex.TEST).as(ExampleSchema.SHARD), lit(IdIndex.TEST).as(ExampleSchema.SLICE)));
    }
    return ids;
  }

  /** The index rows of a committed data version, read from its examples and test split (a scan of both). */
  public static Dataset<Row> of(SparkSession spark, LetheStore store, DataManifest manifest) {
    return of(ExamplesReader.examples(spark, store, manifest),
        manifest.test() == null ? null : ExamplesReader.testSplit(spark, store, manifest));
  }

  /**
   * Sorts {@code ids} by record id in one task and streams them to the driver into a new index file at
   * {@code target}; the driver holds one partition's rows at a time, never the whole index.
   *
   * @param relativePath {@code target} as manifests name files, relative to the store's data directory
   */
  public static DataManifest.IndexFile write(LetheStore store, Dataset<Row> ids, Path target, String relativePath) {
    Iterator<Row> rows = ids.repartition(1).sortWithinPartitions(ExampleSchema.RECORD_ID, ExampleSchema.SHARD)
        .toLocalIterator();
    try (IdIndex.Writer writer = IdIndex.writer(store, target, relativePath)) {
      while (rows.hasNext()) {
        Row row = rows.next();
        writer.add(new IdIndex.Entry(row.getString(0), row.getString(1), row.getInt(2), row.getInt(3)));
      }
      return writer.finish();
    }
  }
}
