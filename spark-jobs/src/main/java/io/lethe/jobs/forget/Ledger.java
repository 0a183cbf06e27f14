package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.lit;

import io.lethe.store.FailPoints;
import io.lethe.store.LetheStore;
import io.lethe.store.Json;
import io.lethe.store.StoreException;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
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

  private final SparkSession spark;
  private final LetheStore store;

  public Ledger(SparkSession spark, LetheStore store) {
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
    Dataset<Row> known = index.ids(spark);
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
      return spark.createDataFrame(List.of(), REQUESTS_SCHEMA);
    }
    return spark.read().schema(REQUESTS_SCHEMA).parquet(submissionIds.stream()
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
    return spark.read().parquet(routedPath(batchId).toString());
  }
}
