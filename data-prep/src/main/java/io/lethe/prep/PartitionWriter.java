package io.lethe.prep;

import io.lethe.store.DataManifest.FileEntry;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.LetheStore;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Writes the rows of one partition (or the test split) as a single Parquet file in record_id order and describes
 * it as a manifest entry, with the same content hash a fresh prepare would compute. Used when physical deletion
 * rewrites only the partitions that held deleted rows.
 */
public final class PartitionWriter {
  private PartitionWriter() {}

  /**
   * @param rows rows with the input schema (record_id, subject_id, label, features)
   * @param dir where to write (inside a staged data version)
   * @param relativeDir {@code dir} as manifests name it, relative to the store's data directory
   */
  public static PartitionEntry write(LetheStore store, Dataset<Row> rows, int shard, int slice, Path dir,
      String relativeDir) {
    if (rows.isEmpty()) {
      // Every row of the partition was deleted: it stays in the manifest, with no files.
      return new PartitionEntry(shard, slice, 0, new ContentHasher().hex(), List.of());
    }
    Dataset<Row> ordered = rows.select(ExampleSchema.RECORD_ID, ExampleSchema.SUBJECT_ID, ExampleSchema.LABEL,
        ExampleSchema.FEATURES).coalesce(1).sortWithinPartitions(ExampleSchema.RECORD_ID);
    ordered.write().parquet(dir.toString());
    String[] hash = ordered.mapPartitions(new HashRows(), Encoders.STRING()).collectAsList().get(0).split(" ");
    List<FileEntry> files = store.list(dir).stream()
        .filter(FileStatus::isFile)
        .filter(s -> s.getPath().getName().startsWith("part-") && s.getPath().getName().endsWith(".parquet"))
        .map(s -> new FileEntry(relativeDir + "/" + s.getPath().getName(), s.getLen()))
        .sorted(Comparator.comparing(FileEntry::path))
        .toList();
    return new PartitionEntry(shard, slice, Long.parseLong(hash[0]), hash[1], files);
  }

  /** Hashes one (already ordered) partition where it lives; returns "rows sha256". */
  private static final class HashRows implements MapPartitionsFunction<Row, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<String> call(Iterator<Row> rows) {
      ContentHasher hasher = new ContentHasher();
      while (rows.hasNext()) {
        Row row = rows.next();
        hasher.update(row.getString(0), row.getString(1), row.getInt(2), ExampleSchema.features(row, 3));
      }
      return List.of(hasher.rows() + " " + hasher.hex()).iterator();
    }
  }
}
