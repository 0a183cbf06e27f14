package io.lethe.prep;

import io.lethe.store.DataManifest.FileEntry;
import io.lethe.store.DataManifest.PartitionEntry;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Rewrites one small partition (or the test split) without the deleted rows in this JVM, without Spark: a
 * one-record forget batch then costs a read and a write of the few megabytes of the partitions it touched, not the
 * start-up of Spark jobs. The result is what {@link PartitionWriter#write} gives for the same rows: one Parquet file
 * in record_id order (Spark's order: the ids' UTF-8 bytes, unsigned), with the source's Parquet schema and Spark's
 * schema metadata, and the same content hash, so that training, verify and a later Spark rewrite cannot tell the two
 * apart.
 *
 * <p>The kept rows are held in memory while they are sorted: about {@link #heapBytes} per partition. Callers bound
 * it ({@code lethe.forget.local-rewrite-max-bytes}) and give larger partitions to {@link PartitionWriter}.
 */
public final class LocalPartitionRewriter {
  /** Parquet file the rewrite writes, named like Spark's part files so that listings treat both alike. */
  static final String FILE_NAME = "part-00000-lethe-local.snappy.parquet";
  private static final List<String> EXPECTED_COLUMNS = List.of(ExampleSchema.RECORD_ID, ExampleSchema.SUBJECT_ID,
      ExampleSchema.LABEL, ExampleSchema.FEATURES);
  private static final String SPARK_METADATA_PREFIX = "org.apache.spark.";
  private static final String LIST = "list";
  private static final String ELEMENT = "element";

  private LocalPartitionRewriter() {}

  /** Driver heap the rows of a partition take while they are rewritten: features as floats plus ids. */
  public static long heapBytes(PartitionEntry partition, int numFeatures) {
    return partition.rows() * (4L * numFeatures + 160L);
  }

  /**
   * @param partition the partition (or test split) as its data version's manifest lists it
   * @param deleted record ids to leave out
   * @param dir where to write (inside a staged data version)
   * @param relativeDir {@code dir} as manifests name it, relative to the store's data directory
   * @return its entry in the new version: same shard and slice, the kept rows' count, content hash and file
   */
  public static PartitionEntry rewrite(LetheStore store, PartitionEntry partition, Set<String> deleted, Path dir,
      String relativeDir) {
    int shard = partition.shard();
    int slice = partition.slice();
    List<Path> files = partition.files().stream().map(f -> ExamplesReader.resolve(store, f)).toList();
    Configuration conf = store.fs().getConf();
    List<Row> kept = new ArrayList<>();
    MessageType schema = null;
    Map<String, String> metadata = null;
    for (Path file : files) {
      FileMetaData footer = footer(file, conf);
      if (schema == null) {
        schema = footer.getSchema();
        if (!EXPECTED_COLUMNS.equals(schema.getFields().stream().map(f -> f.getName()).toList())) {
          throw new StoreException("The examples file " + file + " has the columns " + schema.getFields().stream()
              .map(f -> f.getName()).toList() + ", not " + EXPECTED_COLUMNS + "; run `lethe verify`.");
        }
        metadata = sparkMetadata(footer.getKeyValueMetaData());
      } else if (!schema.equals(footer.getSchema())) {
        throw new StoreException("The files of partition shard=" + shard + " slice=" + slice + " have different"
            + " Parquet schemas (" + files.get(0) + ", " + file + "); run `lethe verify`.");
      }
      read(file, conf, deleted, kept);
    }
    if (kept.isEmpty()) {
      // Every row was deleted: the partition stays in the manifest, with no files (as PartitionWriter does).
      return new PartitionEntry(shard, slice, 0, new ContentHasher().hex(), List.of());
    }
    kept.sort(Comparator.comparing(Row::recordIdBytes, Arrays::compareUnsigned));
    ContentHasher hasher = new ContentHasher();
    Path target = new Path(dir, FILE_NAME);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(target, conf))
        .withConf(conf)
        .withType(schema)
        .withExtraMetaData(metadata)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(ParquetFileWriter.Mode.CREATE)
        .build()) {
      for (Row row : kept) {
        hasher.update(row.recordId(), row.subjectId(), row.label(), row.features());
        writer.write(row.toGroup(groups));
      }
      writer.close();
      long bytes = store.fs().getFileStatus(target).getLen();
      return new PartitionEntry(shard, slice, hasher.rows(), hasher.hex(),
          List.of(new FileEntry(relativeDir + "/" + FILE_NAME, bytes)));
    } catch (IOException e) {
      throw new StoreException("Cannot write " + target + ": " + e.getMessage() + ". Check the store's file"
          + " system and run the command again.", e);
    }
  }

  /**
   * The footer entries Spark wrote (its version and the row schema its readers prefer), carried to the new file.
   * Others, such as the writer's own {@code writer.model.name}, are the new writer's to set.
   */
  private static Map<String, String> sparkMetadata(Map<String, String> footer) {
    Map<String, String> kept = new TreeMap<>();
    footer.forEach((key, value) -> {
      if (key.startsWith(SPARK_METADATA_PREFIX)) {
        kept.put(key, value);
      }
    });
    return kept;
  }

  private static FileMetaData footer(Path file, Configuration conf) {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return reader.getFooter().getFileMetaData();
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  private static void read(Path file, Configuration conf, Set<String> deleted, List<Row> kept) {
    try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
      for (Group group = reader.read(); group != null; group = reader.read()) {
        String recordId = group.getString(ExampleSchema.RECORD_ID, 0);
        if (!deleted.contains(recordId)) {
          kept.add(Row.of(recordId, group));
        }
      }
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  private static StoreException unreadable(Path file, IOException e) {
    return new StoreException("Cannot read the examples file " + file + ": " + e.getMessage()
        + ". Run `lethe verify`.", e);
  }

  /**
   * One example, compact: its features as a float array (a missing element as NaN, as {@link ExampleSchema#features}
   * reads it), not Parquet's per-value objects.
   */
  private record Row(String recordId, byte[] recordIdBytes, String subjectId, int label, float[] features) {
    static Row of(String recordId, Group group) {
      Group list = group.getGroup(ExampleSchema.FEATURES, 0);
      float[] features = new float[list.getFieldRepetitionCount(LIST)];
      for (int i = 0; i < features.length; i++) {
        Group element = list.getGroup(LIST, i);
        features[i] = element.getFieldRepetitionCount(ELEMENT) == 0 ? Float.NaN : element.getFloat(ELEMENT, 0);
      }
      return new Row(recordId, recordId.getBytes(StandardCharsets.UTF_8),
          group.getString(ExampleSchema.SUBJECT_ID, 0), group.getInteger(ExampleSchema.LABEL, 0), features);
    }

    Group toGroup(SimpleGroupFactory groups) {
      Group group = groups.newGroup()
          .append(ExampleSchema.RECORD_ID, recordId)
          .append(ExampleSchema.SUBJECT_ID, subjectId)
          .append(ExampleSchema.LABEL, label);
      Group list = group.addGroup(ExampleSchema.FEATURES);
      for (float value : features) {
        list.addGroup(LIST).append(ELEMENT, value);
      }
      return group;
    }
  }
}
