package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.lethe.prep.IdRules;
import io.lethe.prep.InvalidInputException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads deletion requests from the command line or from a file (CSV with a header, JSON lines, or Parquet; one id
 * per row in a {@code record_id} or {@code subject_id} column, optional {@code request_id} and {@code reason}) and
 * validates them whole: a file with any bad row is rejected before anything reaches the ledger. Repeated ids in
 * one input are one request. A request without an id of its own gets one derived from what it asks to delete, so
 * submitting the same request again is recognised.
 */
public final class RequestReader {
  public static final String REQUEST_ID = "request_id";
  public static final String ID_KIND = "id_kind";
  public static final String ID = "id";
  public static final String REASON = "reason";
  public static final String RECORD = "record";
  public static final String SUBJECT = "subject";

  /** The validated requests: request_id, id_kind (record or subject), id, reason. */
  public static final StructType SCHEMA = new StructType()
      .add(REQUEST_ID, DataTypes.StringType, false)
      .add(ID_KIND, DataTypes.StringType, false)
      .add(ID, DataTypes.StringType, false)
      .add(REASON, DataTypes.StringType, true);

  private static final String RECORD_COLUMN = "record_id";
  private static final String SUBJECT_COLUMN = "subject_id";
  private static final Set<String> FILE_COLUMNS = Set.of(RECORD_COLUMN, SUBJECT_COLUMN, REQUEST_ID, REASON);
  private static final int SHOWN = 5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestReader() {}

  /** Requests given on the command line. */
  public static Dataset<Row> fromIds(SparkSession spark, List<String> recordIds, List<String> subjectIds,
      String reason) {
    List<Row> rows = new ArrayList<>();
    recordIds.forEach(id -> rows.add(RowFactory.create(id, null, null, reason)));
    subjectIds.forEach(id -> rows.add(RowFactory.create(null, id, null, reason)));
    StructType raw = new StructType()
        .add(RECORD_COLUMN, DataTypes.StringType, true)
        .add(SUBJECT_COLUMN, DataTypes.StringType, true)
        .add(REQUEST_ID, DataTypes.StringType, true)
        .add(REASON, DataTypes.StringType, true);
    return validate(spark.createDataFrame(rows, raw), "the command line", null);
  }

  /** Requests in a file; the format follows the extension (.csv, .jsonl/.json/.ndjson, .parquet). */
  public static Dataset<Row> fromFile(SparkSession spark, String file, String reason) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) {
        throw new InvalidInputException("Request file " + file + " does not exist.");
      }
      if (fs.getFileStatus(path).isFile() && fs.getFileStatus(path).getLen() == 0) {
        throw new InvalidInputException("Request file " + file + " is empty: it holds no requests.");
      }
    } catch (IOException e) {
      throw new InvalidInputException("Cannot read request file " + file + ": " + e.getMessage());
    }
    Dataset<Row> raw;
    String format = format(file);
    try {
      raw = switch (format) {
        case "csv" -> spark.read().option("header", "true").option("mode", "FAILFAST")
            .option("encoding", "UTF-8").csv(file);
        case "json" -> spark.read().option("mode", "FAILFAST").option("primitivesAsString", "false").json(file);
        default -> spark.read().parquet(file);
      };
      raw = raw.cache();
      raw.count();
    } catch (Exception e) {
      // Spark throws its checked SparkException undeclared, from schema inference as well as from reading.
      if (format.equals("json")) {
        firstMalformedJsonLine(spark, file).ifPresent(problem -> {
          throw new InvalidInputException(problem);
        });
      }
      throw new InvalidInputException("Request file " + file + " is not readable as " + format + ": "
          + firstLine(e));
    }
    if (format.equals("json") && Arrays.asList(raw.columns()).contains("_corrupt_record")) {
      firstMalformedJsonLine(spark, file).ifPresent(problem -> {
        throw new InvalidInputException(problem);
      });
    }
    return validate(raw, "request file " + file, reason);
  }

  /**
   * Names the first line of a JSON-lines file that is not a JSON object, with its number; Spark's reader says only
   * that some record is malformed. Read on the driver, and only once reading has failed.
   */
  static Optional<String> firstMalformedJsonLine(SparkSession spark, String file) {
    Path path = new Path(file);
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(
        path.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(path), StandardCharsets.UTF_8))) {
      String line;
      long number = 0;
      while ((line = lines.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        String problem;
        try {
          problem = JSON.readTree(line).isObject() ? null : "it is not a JSON object";
        } catch (JsonProcessingException e) {
          problem = "it is not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")";
        }
        if (problem != null) {
          return Optional.of("Request file " + file + ", line " + number + ": " + problem + ". Each line must be"
              + " one JSON object such as {\"record_id\": \"r-1\"}; fix or remove that line.");
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String format(String file) {
    String name = file.toLowerCase(Locale.ROOT);
    if (name.endsWith(".csv")) {
      return "csv";
    }
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
      return "json";
    }
    if (name.endsWith(".parquet")) {
      return "parquet";
    }
    throw new InvalidInputException("Request file " + file + " has an unknown format; name it *.csv, *.jsonl or"
        + " *.parquet.");
  }

  private static Dataset<Row> validate(Dataset<Row> raw, String source, String defaultReason) {
    Dataset<Row> rows = lowerCaseColumns(raw);
    List<String> columns = Arrays.asList(rows.columns());
    Set<String> unexpected = new TreeSet<>(columns);
    unexpected.removeAll(FILE_COLUMNS);
    unexpected.remove("_corrupt_record");
    if (columns.contains("_corrupt_record")) {
      throw new InvalidInputException(capitalize(source) + " has lines that are not JSON objects.");
    }
    if (!columns.contains(RECORD_COLUMN) && !columns.contains(SUBJECT_COLUMN)) {
      throw new InvalidInputException(capitalize(source) + " has columns " + new TreeSet<>(columns)
          + "; it needs a record_id or subject_id column (and optionally request_id and reason).");
    }
    if (!unexpected.isEmpty()) {
      throw new InvalidInputException(capitalize(source) + " has unexpected column(s) " + unexpected
          + "; allowed are record_id, subject_id, request_id and reason.");
    }
    for (StructField field : rows.schema().fields()) {
      if (!field.dataType().equals(DataTypes.StringType)) {
        throw new InvalidInputException(capitalize(source) + ": column " + field.name() + " holds "
            + field.dataType().simpleString() + " values; ids and reasons must be strings (quote them).");
      }
    }
    for (String name : FILE_COLUMNS) {
      if (!columns.contains(name)) {
        rows = rows.withColumn(name, lit(null).cast(DataTypes.StringType));
      }
    }
    if (rows.isEmpty()) {
      throw new InvalidInputException(capitalize(source) + " holds no requests.");
    }
    Column record = emptyToNull(col(RECORD_COLUMN));
    Column subject = emptyToNull(col(SUBJECT_COLUMN));
    Dataset<Row> shaped = rows.select(
        when(record.isNotNull(), lit(RECORD)).otherwise(lit(SUBJECT)).as(ID_KIND),
        coalesce(record, subject).as(ID),
        record.isNotNull().and(subject.isNotNull()).as("both"),
        emptyToNull(col(REQUEST_ID)).as("given_request_id"),
        coalesce(emptyToNull(col(REASON)), lit(defaultReason)).as(REASON));

    List<String> problems = new ArrayList<>();
    report(problems, shaped.filter(col("both")), "give both a record_id and a subject_id; one request names"
        + " one id");
    report(problems, shaped.filter(col(ID).isNull()), "give neither a record_id nor a subject_id");
    report(problems, shaped.filter(col(ID).isNotNull().and(IdRules.invalid(col(ID)))),
        "have an invalid id. " + IdRules.RULE);
    report(problems, shaped.filter(col(ID).contains("\uFFFD")), "have an id with bytes that are not valid UTF-8");
    report(problems, shaped.filter(col("given_request_id").isNotNull()
        .and(IdRules.invalid(col("given_request_id")))), "have an invalid request_id. " + IdRules.RULE);
    if (!problems.isEmpty()) {
      throw new InvalidInputException("Rejected " + source + "; nothing was recorded (" + problems.size()
          + (problems.size() == 1 ? " problem):" : " problems):")
          + problems.stream().map(p -> "\n  - " + p).collect(Collectors.joining()));
    }

    Column derived = concat(lit("req-"), substring(sha2(concat(col(ID_KIND), lit(":"), col(ID)), 256), 1, 24));
    Dataset<Row> requests = shaped
        .select(coalesce(col("given_request_id"), derived).as(REQUEST_ID), col(ID_KIND), col(ID), col(REASON))
        .dropDuplicates(REQUEST_ID, ID_KIND, ID);
    List<Row> reused = requests.groupBy(REQUEST_ID).agg(countDistinct(ID_KIND, ID).as("ids"))
        .filter(col("ids").gt(1)).orderBy(REQUEST_ID).limit(SHOWN).collectAsList();
    if (!reused.isEmpty()) {
      throw new InvalidInputException("Rejected " + source + "; nothing was recorded: request_id "
          + reused.stream().map(r -> IdRules.quote(r.getString(0))).collect(Collectors.joining(", "))
          + " names more than one id. Give each id its own request_id.");
    }
    return requests.dropDuplicates(REQUEST_ID);
  }

  private static void report(List<String> problems, Dataset<Row> offending, String what) {
    long count = offending.count();
    if (count > 0) {
      List<String> shown = offending.select(ID).orderBy(ID).limit(SHOWN).collectAsList().stream()
          .map(r -> IdRules.quote(r.getString(0))).toList();
      problems.add((count == 1 ? "1 row" : count + " rows") + " " + what
          + (shown.stream().allMatch("null"::equals) ? "" : " (first: " + String.join(", ", shown) + ")"));
    }
  }

  private static Column emptyToNull(Column c) {
    return when(length(trim(c)).equalTo(0), lit(null).cast(DataTypes.StringType)).otherwise(c);
  }

  private static Dataset<Row> lowerCaseColumns(Dataset<Row> raw) {
    Dataset<Row> renamed = raw;
    for (String name : raw.columns()) {
      String lower = name.trim().toLowerCase(Locale.ROOT);
      if (!lower.equals(name)) {
        renamed = renamed.withColumnRenamed(name, lower);
      }
    }
    return renamed;
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static String firstLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = String.valueOf(root.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
