package io.lethe.jobs.forget;

import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
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
    RequestIdIndex index = new RequestIdIndex(store);
    index.prepare();
    Set<String> known = index.known(requests.stream().map(CommandLineRequests.Request::requestId)
        .collect(Collectors.toSet()));
    List<CommandLineRequests.Request> fresh = requests.stream().filter(r -> !known.contains(r.requestId()))
        .toList();
    if (!fresh.isEmpty()) {
      Path staged = new Path(store.newStagingDir("ack"), submission);
      write(new Path(staged, "part-00000-" + UUID.randomUUID() + "-c000.parquet"), fresh, at, submission);
      // Indexed before it is committed: a committed submission is never missing from the index.
      index.addRun(submission, fresh.stream().map(CommandLineRequests.Request::requestId).toList());
      Ledger.commitSubmission(store, staged, submission, fresh.size());
      index.compact();
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
}
