package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.lit;

import io.lethe.prep.ExampleSchema;
import io.lethe.store.FailPoints;
import io.lethe.store.StoreException;
import io.lethe.store.LetheStore;
import io.lethe.store.Json;
import java.io.IOException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.function.Consumer;
import java.util.Set;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deletion ledger: append-only Parquet in the store. Each acknowledged submission is one directory under
 * {@code ledger/requests/}, staged and renamed into place, so a request is durable before Lethe says it was
 * received; each forget batch records its members and routing under {@code ledger/batches/<batch>/}. Nothing in
 * the ledger holds a deleted row's features: only ids, reasons, times and where the rows were.
 */
public final class Ledger {
  private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

  public static final String RECEIVED_AT = "received_at";
  public static final String SUBMISSION_ID = "submission_id";
  private static final String SUBMISSION_INFO = "_submission.json";

  /** Requests as stored: the validated request columns plus when and in which submission they arrived. */
  public static final StructType REQUESTS_SCHEMA = RequestReader.SCHEMA
      .add(RECEIVED_AT, DataTypes.StringType, false)
      .add(SUBMISSION_ID, DataTypes.StringType, false);

  private final Supplier<SparkSession> spark;
  private final LetheStore store;

  public Ledger(SparkSession spark, LetheStore store) {
    this(() -> spark, store);
  }

  /**
   * A ledger whose session is taken only by the operations that need Spark (reading or writing requests and
   * routings as datasets); acknowledging, routing and reading a small batch's ids without Spark never wait for it.
   */
  public Ledger(Supplier<SparkSession> spark, LetheStore store) {
    this.spark = spark;
    this.store = store;
  }

  /** What an acknowledgement recorded. */
  public record Acknowledgement(String submissionId, long received, long alreadyKnown, String at) {}

  public Path requestsDir() {
    return requestsDir(store);
  }

  /**
   * Durably records the requests that the ledger does not hold yet (by request id) and returns only after the
   * commit: this is the moment they are acknowledged. The caller holds the store lock.
   */
  public Acknowledgement acknowledge(Dataset<Row> requests) {
    String at = store.clock().instant().toString();
    String submission = newSubmissionId(store);
    RequestIdIndex index = new RequestIdIndex(store);
    index.prepare();
    Dataset<Row> known = index.ids(spark.get());
    Dataset<Row> fresh = (known == null ? requests : requests.join(known,
        requests.col(RequestReader.REQUEST_ID).equalTo(known.col(RequestReader.REQUEST_ID)), "left_anti"))
        .withColumn(RECEIVED_AT, lit(at))
        .withColumn(SUBMISSION_ID, lit(submission))
        .cache();
    long total = requests.count();
    long received = fresh.count();
    if (received > 0) {
      Path stagingDir = store.newStagingDir("ack");
      Path staged = new Path(stagingDir, submission);
      fresh.coalesce(1).write().parquet(staged.toString());
      // Indexed before it is committed: a committed submission is never missing from the index.
      Path run = new Path(stagingDir, "index-run");
      fresh.select(RequestReader.REQUEST_ID, SUBMISSION_ID).coalesce(1).sortWithinPartitions(RequestReader.REQUEST_ID)
          .write().options(RequestIdIndex.sparkWriteOptions(received)).parquet(run.toString());
      index.commitRun(submission, singleParquetFile(run), received);
      commitSubmission(store, staged, submission, received);
      index.compact();
      LOG.info("Acknowledged {} deletion request(s) in submission {} ({} already in the ledger)", received,
          submission, total - received);
    }
    fresh.unpersist();
    return new Acknowledgement(submission, received, total - received, at);
  }

  /** The one Parquet file Spark wrote into {@code dir} from one partition. */
  private Path singleParquetFile(Path dir) {
    List<Path> parts = store.list(dir).stream().map(FileStatus::getPath)
        .filter(p -> p.getName().startsWith("part-") && p.getName().endsWith(".parquet")).toList();
    if (parts.size() != 1) {
      throw new StoreException("Expected one Parquet file in " + dir + ", found " + parts.size());
    }
    return parts.get(0);
  }

  /** A fresh submission id; ids sort by the time they were made. */
  static String newSubmissionId(LetheStore store) {
    return "s-" + NAME_TIME.format(store.clock().instant()) + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static Path requestsDir(LetheStore store) {
    return new Path(store.layout().ledgerDir(), "requests");
  }

  /**
   * Commits a staged submission directory whose Parquet is written: adds its sidecar and renames it into the
   * ledger. When this returns, its requests are acknowledged (durable); the staging directory is removed.
   */
  static void commitSubmission(LetheStore store, Path staged, String submission, long received) {
    // Spark ignores files starting with '_': the sidecar lets a batch know its size and time without a job.
    String acknowledgedAt = store.clock().instant().toString();
    Path committed = new Path(requestsDir(store), submission);
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = Json.read(Json.write(new Submission(submission, received, acknowledgedAt)),
        Map.class, "submission " + submission);
    // Linked into the audit trail once visible: a crash before the rename leaves no trace of it anywhere.
    new AuditChain(store).append(fields, new Path(committed, SUBMISSION_INFO), bytes -> {
      store.commitNewFile(new Path(staged, SUBMISSION_INFO), bytes, false);
      FailPoints.check("forget.acknowledge.before-commit");
      store.commitRename(staged, committed);
    });
    store.deleteIfExists(staged.getParent());
  }

  /** Every acknowledged request. */
  public Dataset<Row> requests() {
    return requests(store.list(requestsDir()).stream()
        .filter(FileStatus::isDirectory)
        .map(s -> s.getPath().getName())
        .toList());
  }

  /**
   * The ids of every acknowledged request (id_kind, id), or null when there are none: what a prepare of the raw
   * inputs must leave out so that forgotten rows never come back.
   */
  public Dataset<Row> forgotten() {
    Dataset<Row> requests = requests().select(RequestReader.ID_KIND, RequestReader.ID);
    return requests.isEmpty() ? null : requests;
  }

  /**
   * One acknowledged submission, as its sidecar file records it.
   *
   * @param acknowledgedAt when it was committed (just before the rename that makes it durable): the moment the
   *     latency to exact serving is measured from
   */
  public record Submission(String id, long requests, String acknowledgedAt) {}

  /** Every acknowledged submission, oldest first. */
  public List<Submission> submissions() {
    return store.list(requestsDir()).stream()
        .filter(FileStatus::isDirectory)
        .map(s -> s.getPath().getName())
        .sorted()
        .map(this::submission)
        .toList();
  }

  public Submission submission(String id) {
    Path info = new Path(new Path(requestsDir(), id), SUBMISSION_INFO);
    return Json.read(store.readString(info), Submission.class, info.toString());
  }

  /** Submissions that no forget batch has taken yet. */
  public List<Submission> pending() {
    Set<String> taken = new HashSet<>();
    for (String batchId : ForgetJournal.batchIds(store)) {
      taken.addAll(ForgetJournal.submissions(new ForgetJournal(store, batchId)));
    }
    return submissions().stream().filter(s -> !taken.contains(s.id())).toList();
  }

  /** The requests of the given submissions. */
  public Dataset<Row> requests(List<String> submissionIds) {
    if (submissionIds.isEmpty()) {
      return spark.get().createDataFrame(List.of(), REQUESTS_SCHEMA);
    }
    return spark.get().read().schema(REQUESTS_SCHEMA).parquet(submissionIds.stream()
        .map(id -> new Path(requestsDir(), id).toString()).toArray(String[]::new));
  }

  public Path routedPath(String batchId) {
    return new Path(ForgetJournal.batchDir(store, batchId), "routed");
  }

  /** Commits a batch's routing: one row per matched example, and a row with no record for a request not found. */
  public void commitRouted(String batchId, Dataset<Row> routed) {
    Path staged = new Path(store.newStagingDir("route"), "routed");
    routed.coalesce(1).write().parquet(staged.toString());
    store.commitRename(staged, routedPath(batchId));
    store.deleteIfExists(staged.getParent());
  }

  public Dataset<Row> routed(String batchId) {
    return spark.get().read().parquet(routedPath(batchId).toString());
  }

  /** One request of a batch, read without Spark. */
  public record Request(String requestId, String idKind, String id) {}

  /**
   * One row of a batch's routing: a matched example (split "train" or "test", its shard and slice; -1 for the
   * test split), or a request not found (record, subject, split, shard and slice null).
   */
  public record RoutedRow(String requestId, String idKind, String id, String recordId, String subjectId,
      String split, Integer shard, Integer slice) {}

  /** The routing's columns as Parquet: what {@link #commitRouted(String, Dataset)} writes with Spark. */
  static final MessageType ROUTED_SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RequestReader.REQUEST_ID)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RequestReader.ID_KIND)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RequestReader.ID)
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(ExampleSchema.RECORD_ID)
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(ExampleSchema.SUBJECT_ID)
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(ForgetJob.SPLIT)
      .optional(PrimitiveTypeName.INT32).named(ExampleSchema.SHARD)
      .optional(PrimitiveTypeName.INT32).named(ExampleSchema.SLICE)
      .named("spark_schema");

  /** The requests of the given submissions, read in the driver with parquet-hadoop (for small batches). */
  public List<Request> requestList(List<String> submissionIds) {
    List<Request> requests = new ArrayList<>();
    for (String id : submissionIds) {
      forEachRow(new Path(requestsDir(), id), row -> requests.add(new Request(
          row.getString(RequestReader.REQUEST_ID, 0), row.getString(RequestReader.ID_KIND, 0),
          row.getString(RequestReader.ID, 0))));
    }
    return requests;
  }

  /** Commits a batch's routing written in the driver with parquet-hadoop, in the layout Spark's commit has. */
  public void commitRouted(String batchId, List<RoutedRow> rows) {
    Path staged = new Path(store.newStagingDir("route"), "routed");
    Path file = new Path(staged, "part-00000-" + UUID.randomUUID() + "-c000.parquet");
    SimpleGroupFactory groups = new SimpleGroupFactory(ROUTED_SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter
        .builder(HadoopOutputFile.fromPath(file, store.fs().getConf()))
        .withConf(store.fs().getConf())
        .withType(ROUTED_SCHEMA)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(ParquetFileWriter.Mode.CREATE)
        .build()) {
      for (RoutedRow r : rows) {
        Group row = groups.newGroup()
            .append(RequestReader.REQUEST_ID, r.requestId())
            .append(RequestReader.ID_KIND, r.idKind())
            .append(RequestReader.ID, r.id());
        if (r.split() != null) {
          row.append(ExampleSchema.RECORD_ID, r.recordId())
              .append(ExampleSchema.SUBJECT_ID, r.subjectId())
              .append(ForgetJob.SPLIT, r.split())
              .append(ExampleSchema.SHARD, r.shard())
              .append(ExampleSchema.SLICE, r.slice());
        }
        writer.write(row);
      }
    } catch (IOException e) {
      throw new StoreException("Cannot write the routing of batch " + batchId + " to " + file + ": "
          + e.getMessage(), e);
    }
    store.commitRename(staged, routedPath(batchId));
    store.deleteIfExists(staged.getParent());
  }

  /** A batch's routing, read in the driver (however it was written). */
  public List<RoutedRow> routedRows(String batchId) {
    List<RoutedRow> rows = new ArrayList<>();
    forEachRow(routedPath(batchId), row -> {
      boolean found = row.getFieldRepetitionCount(ForgetJob.SPLIT) > 0;
      rows.add(new RoutedRow(row.getString(RequestReader.REQUEST_ID, 0), row.getString(RequestReader.ID_KIND, 0),
          row.getString(RequestReader.ID, 0),
          found ? row.getString(ExampleSchema.RECORD_ID, 0) : null,
          found ? row.getString(ExampleSchema.SUBJECT_ID, 0) : null,
          found ? row.getString(ForgetJob.SPLIT, 0) : null,
          found ? row.getInteger(ExampleSchema.SHARD, 0) : null,
          found ? row.getInteger(ExampleSchema.SLICE, 0) : null));
    });
    return rows;
  }

  /**
   * The record ids a batch deletes (its routed train and test rows), read in the driver from its routing file.
   */
  public Set<String> deletedIds(String batchId) {
    Set<String> ids = new HashSet<>();
    forEachRow(routedPath(batchId), row -> {
      if (row.getFieldRepetitionCount(ForgetJob.SPLIT) > 0) {
        ids.add(row.getString(ExampleSchema.RECORD_ID, 0));
      }
    });
    return ids;
  }

  /** Every row of the Parquet files in {@code dir} (not those Spark's readers skip: names starting _ or .). */
  private void forEachRow(Path dir, Consumer<Group> action) {
    for (FileStatus part : store.list(dir)) {
      String name = part.getPath().getName();
      if (!part.isFile() || name.startsWith("_") || name.startsWith(".") || !name.endsWith(".parquet")) {
        continue;
      }
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), part.getPath())
          .withConf(store.fs().getConf()).build()) {
        for (Group row = reader.read(); row != null; row = reader.read()) {
          action.accept(row);
        }
      } catch (IOException e) {
        throw new StoreException("Cannot read ledger file " + part.getPath() + ": " + e.getMessage(), e);
      }
    }
  }
}
