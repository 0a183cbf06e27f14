package io.lethe.jobs.cli;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.CommandLineRequests;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetReport;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.LedgerIntake;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.spark.SparkSessions;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lethe forget}: acknowledge deletion requests durably, then unlearn them. */
@Command(name = "forget", mixinStandardHelpOptions = true,
    description = {"Record deletion requests in the store's ledger (durably, before acknowledging them), then",
        "process every pending request as one batch: route ids to shards and slices, serve the clean checkpoints",
        "from before the earliest affected slice at once, rewrite the affected data partitions, purge every",
        "checkpoint that saw a deleted record, retrain the affected shards from their clean checkpoints,",
        "publish, and write the forget report. A rejected input leaves the ledger untouched; re-submitting a",
        "request is a no-op; an interrupted run is finished by running forget or resume again."})
final class ForgetCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--record", paramLabel = "ID", description = "Forget this record id (repeatable).")
  List<String> records = new ArrayList<>();

  @Option(names = "--subject", paramLabel = "ID", description = "Forget every record of this data subject"
      + " (repeatable).")
  List<String> subjects = new ArrayList<>();

  @Option(names = "--file", paramLabel = "PATH", description = "Requests in a file: .csv (header), .jsonl or"
      + " .parquet with a record_id or subject_id column, optional request_id and reason (repeatable).")
  List<String> files = new ArrayList<>();

  @Option(names = "--inbox", paramLabel = "DIR", description = "Acknowledge every request file in DIR (a local"
      + " path or a URI on any Hadoop file system, e.g. hdfs:///lethe/forget-inbox) and move it to DIR/processed/"
      + " once recorded (for scheduled runs).")
  String inbox;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Reason recorded with requests that give none.")
  String reason;

  @Option(names = "--no-process", description = "Only acknowledge; process later with `lethe resume`.")
  boolean noProcess;

  @Override
  public Integer call() {
    LetheSettings settings = common.settings(List.of());
    if (files.isEmpty() && inbox == null) {
      return forgetCommandLineIds(settings);
    }
    SparkSession spark = CommonOptions.spark(settings);
    LetheStore store = CommonOptions.openStore(spark, settings);
    PrintWriter out = spec.commandLine().getOut();
    Inbox box = inbox == null ? null : Inbox.open(inbox, spark.sparkContext().hadoopConfiguration());
    List<org.apache.hadoop.fs.Path> inboxFiles = box == null ? List.of() : box.files();
    List<Dataset<Row>> inputs = new ArrayList<>();
    if (!records.isEmpty() || !subjects.isEmpty()) {
      inputs.add(RequestReader.fromIds(spark, records, subjects, reason));
    }
    for (String file : files) {
      inputs.add(RequestReader.fromFile(spark, file, reason));
    }
    for (org.apache.hadoop.fs.Path file : inboxFiles) {
      inputs.add(RequestReader.fromFile(spark, file.toString(), reason));
    }
    try (StoreLock lock = StoreLock.acquire(store, "lethe forget")) {
      if (!inputs.isEmpty()) {
        Dataset<Row> all = inputs.stream().reduce(Dataset::unionByName).orElseThrow();
        printAcknowledged(out, new Ledger(spark, store).acknowledge(all.dropDuplicates(RequestReader.REQUEST_ID)));
        if (box != null && !inboxFiles.isEmpty()) {
          box.moveToProcessed(inboxFiles);
        }
      } else {
        out.printf("Inbox %s holds no request files.%n", inbox);
      }
      if (!noProcess) {
        process(new ForgetJob(spark, store, settings), store, out);
      }
    }
    return 0;
  }

  /**
   * Ids given on the command line are few: they are validated and acknowledged without Spark (the legal clock
   * waits for the acknowledgement, not for a session to start); Spark starts only to process them.
   */
  private int forgetCommandLineIds(LetheSettings settings) {
    List<CommandLineRequests.Request> requests = CommandLineRequests.validate(records, subjects, reason);
    LetheStore store = CommonOptions.openStoreWithoutSpark(settings);
    PrintWriter out = spec.commandLine().getOut();
    try (StoreLock lock = StoreLock.acquire(store, "lethe forget")) {
      // Spark starts while the requests are acknowledged, routed, served clean, rewritten and purged: a small
      // batch needs it only to retrain.
      CompletableFuture<SparkSession> spark = noProcess ? null : SparkSessions.startInBackground(settings);
      printAcknowledged(out, new LedgerIntake(store).acknowledge(requests));
      if (!noProcess) {
        process(new ForgetJob(() -> SparkSessions.await(spark), store, settings), store, out);
      }
    }
    return 0;
  }

  private static void printAcknowledged(PrintWriter out, Ledger.Acknowledgement ack) {
    out.printf("Acknowledged %d new deletion request(s) at %s (%d already in the ledger).%n", ack.received(),
        ack.at(), ack.alreadyKnown());
    out.flush();
  }

  private static void process(ForgetJob job, LetheStore store, PrintWriter out) {
    for (ForgetJournal journal : job.processPendingLocked()) {
      out.print(ForgetReport.load(store, journal.batchId()).summary());
    }
  }
}
