package io.lethe.store;

import static org.apache.parquet.filter2.predicate.FilterApi.binaryColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.in;
import static org.apache.parquet.filter2.predicate.FilterApi.or;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * A data version's id index: one Parquet file of (record_id, subject_id, shard, slice) for every training row and
 * every test row (shard and slice {@value #TEST}), in record_id order. Its row groups of {@value #ROWS_PER_GROUP}
 * rows carry min/max statistics and bloom filters on both id columns, so looking up a few ids reads the footer, the
 * bloom filters of the row groups that may hold them, and those row groups only: routing a deletion request never
 * scans the examples. The file is written into the staged data version before its manifest, so the rename that
 * commits the version commits its index too; the manifest names it with its content hash. Read and written with
 * parquet-hadoop through the store's FileSystem, without Spark.
 */
public final class IdIndex {
  /** Where a version's index sits, relative to the version's directory. */
  public static final String RELATIVE_PATH = "_index/ids.parquet";
  public static final String RECORD_ID = "record_id";
  public static final String SUBJECT_ID = "subject_id";
  public static final String SHARD = "shard";
  public static final String SLICE = "slice";
  /** Shard and slice of a test-split row. */
  public static final int TEST = -1;
  /** Rows per row group: what one record-id lookup reads, besides the footer and one bloom filter. */
  static final int ROWS_PER_GROUP = 4096;
  private static final double BLOOM_FALSE_POSITIVES = 0.01;

  static final MessageType SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RECORD_ID)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(SUBJECT_ID)
      .required(PrimitiveTypeName.INT32).named(SHARD)
      .required(PrimitiveTypeName.INT32).named(SLICE)
      .named("spark_schema");

  private IdIndex() {}

  /** One row of the index: where one example is. */
  public record Entry(String recordId, String subjectId, int shard, int slice) {
    public boolean inTestSplit() {
      return shard == TEST;
    }
  }

  /**
   * What a lookup found, and what it read.
   *
   * @param rowGroupsRead row groups read after statistics and bloom filters ruled out the others
   * @param rowGroups row groups in the file
   */
  public record Lookup(List<Entry> entries, int rowGroupsRead, int rowGroups) {}

  /** The absolute path of an index file a manifest names. */
  public static Path resolve(LetheStore store, DataManifest.IndexFile index) {
    return new Path(store.layout().dataDir(), index.path());
  }

  /** A writer of a new index file at {@code target}; rows must be added in record_id order. */
  public static Writer writer(LetheStore store, Path target, String relativePath) {
    return new Writer(store, target, relativePath);
  }

  /**
   * The rows whose record id is one of {@code recordIds} or whose subject id is one of {@code subjectIds}, in
   * file order, reading only the row groups that statistics and bloom filters do not rule out.
   */
  public static Lookup lookup(LetheStore store, DataManifest.IndexFile index, Set<String> recordIds,
      Set<String> subjectIds) {
    FilterPredicate predicate = null;
    if (!recordIds.isEmpty()) {
      predicate = in(binaryColumn(RECORD_ID), binaries(recordIds));
    }
    if (!subjectIds.isEmpty()) {
      FilterPredicate bySubject = in(binaryColumn(SUBJECT_ID), binaries(subjectIds));
      predicate = predicate == null ? bySubject : or(predicate, bySubject);
    }
    if (predicate == null) {
      return new Lookup(List.of(), 0, 0);
    }
    Path path = resolve(store, index);
    Configuration conf = store.fs().getConf();
    FilterCompat.Filter filter = FilterCompat.get(predicate);
    ParquetReadOptions options = HadoopReadOptions.builder(conf, path)
        .withRecordFilter(filter)
        .useStatsFilter(true)
        .useDictionaryFilter(true)
        .useBloomFilter(true)
        .useColumnIndexFilter(false)
        .build();
    List<Entry> found = new ArrayList<>();
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf), options)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      MessageColumnIO columns = new ColumnIOFactory().getColumnIO(schema);
      int read = reader.getRowGroups().size();
      int total = reader.getFooter().getBlocks().size();
      for (PageReadStore pages = reader.readNextRowGroup(); pages != null; pages = reader.readNextRowGroup()) {
        RecordReader<Group> records = columns.getRecordReader(pages, new GroupRecordConverter(schema), filter);
        for (long i = 0; i < pages.getRowCount(); i++) {
          Group row = records.read();
          if (row != null && !records.shouldSkipCurrentRecord()) {
            found.add(entry(row));
          }
        }
      }
      return new Lookup(found, read, total);
    } catch (IOException e) {
      throw new StoreException("Cannot read the id index " + path + ": " + e.getMessage() + ". Run `lethe verify`.",
          e);
    }
  }

  /** Every row of an index file, in file order. */
  public static void forEach(LetheStore store, DataManifest.IndexFile index, Consumer<Entry> action) {
    forEach(store, resolve(store, index), action);
  }

  /** Every row of the index file at {@code path}, in file order. */
  public static void forEach(LetheStore store, Path path, Consumer<Entry> action) {
    try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path)
        .withConf(store.fs().getConf()).build()) {
      for (Group row = reader.read(); row != null; row = reader.read()) {
        action.accept(entry(row));
      }
    } catch (IOException e) {
      throw new StoreException("Cannot read the id index " + path + ": " + e.getMessage() + ". Run `lethe verify`.",
          e);
    }
  }

  /** SHA-256 over the rows in order: record id, NUL, subject id, NUL, shard and slice as 4-byte big-endian ints. */
  public static final class ContentHash {
    private static final byte[] SEPARATOR = {0};
    private final MessageDigest digest;
    private final ByteBuffer numbers = ByteBuffer.allocate(2 * Integer.BYTES);

    public ContentHash() {
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    public ContentHash update(Entry entry) {
      digest.update(entry.recordId().getBytes(StandardCharsets.UTF_8));
      digest.update(SEPARATOR);
      digest.update(entry.subjectId().getBytes(StandardCharsets.UTF_8));
      digest.update(SEPARATOR);
      numbers.clear();
      numbers.putInt(entry.shard()).putInt(entry.slice());
      digest.update(numbers.array());
      return this;
    }

    public String hex() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  /** The content hash of an index file as it is on disk (what its manifest entry must say). */
  public static String contentHash(LetheStore store, DataManifest.IndexFile index) {
    ContentHash hash = new ContentHash();
    forEach(store, index, hash::update);
    return hash.hex();
  }

  private static Set<Binary> binaries(Set<String> ids) {
    return ids.stream().map(Binary::fromString).collect(Collectors.toSet());
  }

  private static Entry entry(Group row) {
    return new Entry(row.getString(RECORD_ID, 0), row.getString(SUBJECT_ID, 0), row.getInteger(SHARD, 0),
        row.getInteger(SLICE, 0));
  }

  /** Writes one index file; {@link #finish} closes it and describes it for the manifest. */
  public static final class Writer implements AutoCloseable {
    private final LetheStore store;
    private final Path target;
    private final String relativePath;
    private final ParquetWriter<Group> parquet;
    private final SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    private final ContentHash hash = new ContentHash();
    private String previous;
    private byte[] previousBytes;
    private long rows;
    private boolean closed;

    private Writer(LetheStore store, Path target, String relativePath) {
      this.store = store;
      this.target = target;
      this.relativePath = relativePath;
      Configuration conf = store.fs().getConf();
      try {
        this.parquet = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(target, conf))
            .withConf(conf)
            .withType(SCHEMA)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.CREATE)
            .withRowGroupRowCountLimit(ROWS_PER_GROUP)
            .withPageRowCountLimit(ROWS_PER_GROUP)
            .withDictionaryEncoding(RECORD_ID, false)
            .withBloomFilterEnabled(RECORD_ID, true)
            .withBloomFilterNDV(RECORD_ID, ROWS_PER_GROUP)
            .withBloomFilterFPP(RECORD_ID, BLOOM_FALSE_POSITIVES)
            .withBloomFilterEnabled(SUBJECT_ID, true)
            .withBloomFilterNDV(SUBJECT_ID, ROWS_PER_GROUP)
            .withBloomFilterFPP(SUBJECT_ID, BLOOM_FALSE_POSITIVES)
            .build();
      } catch (IOException e) {
        throw new StoreException("Cannot write the id index " + target + ": " + e.getMessage(), e);
      }
    }

    /** Adds the next row; record ids must not decrease (a record id in both splits gives two rows). */
    public Writer add(Entry entry) {
      byte[] bytes = entry.recordId().getBytes(StandardCharsets.UTF_8);
      if (previousBytes != null && Arrays.compareUnsigned(previousBytes, bytes) > 0) {
        throw new IllegalStateException("Id index rows must come in record_id order (UTF-8 bytes, as Spark sorts"
            + " and Parquet's statistics compare): " + entry.recordId() + " after " + previous + " in " + target
            + ".");
      }
      previous = entry.recordId();
      previousBytes = bytes;
      try {
        parquet.write(groups.newGroup()
            .append(RECORD_ID, entry.recordId())
            .append(SUBJECT_ID, entry.subjectId())
            .append(SHARD, entry.shard())
            .append(SLICE, entry.slice()));
      } catch (IOException e) {
        throw new StoreException("Cannot write the id index " + target + ": " + e.getMessage(), e);
      }
      hash.update(entry);
      rows++;
      return this;
    }

    /** Closes the file and returns the manifest's entry for it. */
    public DataManifest.IndexFile finish() {
      close();
      try {
        long bytes = store.fs().getFileStatus(target).getLen();
        return new DataManifest.IndexFile(relativePath, rows, bytes, hash.hex());
      } catch (IOException e) {
        throw new StoreException("Cannot read the id index " + target + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        parquet.close();
      } catch (IOException e) {
        throw new StoreException("Cannot write the id index " + target + ": " + e.getMessage(), e);
      }
    }
  }
}
