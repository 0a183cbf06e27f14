package io.lethe.jobs.forget;

import static org.apache.parquet.filter2.predicate.FilterApi.binaryColumn;
import static org.apache.parquet.filter2.predicate.FilterApi.in;

import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges a few deletion requests without Spark: the ledger submission is written with parquet-hadoop
 * straight through the store's Hadoop FileSystem, in the layout and schema ({@link Ledger#REQUESTS_SCHEMA}) that
 * {@link Ledger} writes and reads with Spark, and committed by the same staged rename. This is what lets
 * {@code lethe forget --record/--subject} acknowledge before a Spark session exists. Larger inputs (files, an
 * inbox) go through {@link Ledger#acknowledge}, which validates and de-duplicates them with Spark.
 */
public final class LedgerIntake {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerIntake.class);

  /** {@link Ledger#REQUESTS_SCHEMA} as Parquet: what Spark writes for it and reads back with it. */
  static final MessageType PARQUET_SCHEMA = Types.buildMessage()
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RequestReader.REQUEST_ID)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RequestReader.ID_KIND)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RequestReader.ID)
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(RequestReader.REASON)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(Ledger.RECEIVED_AT)
      .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(Ledger.SUBMISSION_ID)
      .named("spark_schema");

  private final LetheStore store;

  public LedgerIntake(LetheStore store) {
    this.store = store;
  }

  /**
   * Durably records the requests that the ledger does not hold yet (by request id) and returns only after the
   * commit: this is the moment they are acknowledged. The caller holds the store lock.
   */
  public Ledger.Acknowledgement acknowledge(List<CommandLineRequests.Request> requests) {
    String at = store.clock().instant().toString();
    String submission = Ledger.newSubmissionId(store);
    Set<String> known = knownRequestIds(requests.stream().map(CommandLineRequests.Request::requestId)
        .collect(Collectors.toSet()));
    List<CommandLineRequests.Request> fresh = requests.stream().filter(r -> !known.contains(r.requestId()))
        .toList();
    if (!fresh.isEmpty()) {
      Path staged = new Path(store.newStagingDir("ack"), submission);
      write(new Path(staged, "part-00000-" + UUID.randomUUID() + "-c000.parquet"), fresh, at, submission);
      Ledger.commitSubmission(store, staged, submission, fresh.size());
      LOG.info("Acknowledged {} deletion request(s) in submission {} ({} already in the ledger), without Spark",
          fresh.size(), submission, requests.size() - fresh.size());
    }
    return new Ledger.Acknowledgement(submission, fresh.size(), requests.size() - fresh.size(), at);
  }

  private void write(Path file, List<CommandLineRequests.Request> requests, String at, String submission) {
    SimpleGroupFactory groups = new SimpleGroupFactory(PARQUET_SCHEMA);
    try (ParquetWriter<Group> writer = ExampleParquetWriter
        .builder(HadoopOutputFile.fromPath(file, store.fs().getConf()))
        .withConf(store.fs().getConf())
        .withType(PARQUET_SCHEMA)
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withWriteMode(ParquetFileWriter.Mode.CREATE)
        .build()) {
      for (CommandLineRequests.Request r : requests) {
        Group row = groups.newGroup()
            .append(RequestReader.REQUEST_ID, r.requestId())
            .append(RequestReader.ID_KIND, r.idKind())
            .append(RequestReader.ID, r.id());
        if (r.reason() != null) {
          row.append(RequestReader.REASON, r.reason());
        }
        writer.write(row.append(Ledger.RECEIVED_AT, at).append(Ledger.SUBMISSION_ID, submission));
      }
    } catch (IOException e) {
      throw new StoreException("Cannot write ledger submission " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Which of {@code wanted} the ledger already holds. Reads only the request_id column's row groups that may
   * hold one of them (statistics and dictionaries filter the rest), in every submission: Spark-written ones too.
   */
  Set<String> knownRequestIds(Set<String> wanted) {
    Set<String> known = new HashSet<>();
    if (wanted.isEmpty()) {
      return known;
    }
    FilterCompat.Filter filter = FilterCompat.get(in(binaryColumn(RequestReader.REQUEST_ID),
        wanted.stream().map(Binary::fromString).collect(Collectors.toSet())));
    for (FileStatus submission : store.list(Ledger.requestsDir(store))) {
      if (!submission.isDirectory()) {
        continue;
      }
      for (FileStatus part : store.list(submission.getPath())) {
        String name = part.getPath().getName();
        if (!part.isFile() || name.startsWith("_") || name.startsWith(".") || !name.endsWith(".parquet")) {
          continue;
        }
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), part.getPath())
            .withConf(store.fs().getConf()).withFilter(filter).build()) {
          for (Group row = reader.read(); row != null; row = reader.read()) {
            known.add(row.getString(RequestReader.REQUEST_ID, 0));
          }
        } catch (IOException e) {
          throw new StoreException("Cannot read ledger file " + part.getPath() + ": " + e.getMessage(), e);
        }
      }
    }
    return known;
  }
}
