package io.lethe.jobs.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.CommandLineRequests;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetState;
import io.lethe.jobs.forget.JournalEntry;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.LedgerIntake;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.forget.RequestStatus;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.ExamplesReader;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe bench ledger}: whether the ledger and one forget batch scale in the number of submissions and of
 * requests. Scenario 1 acknowledges many small submissions (one request each, as a busy request endpoint would)
 * and processes them as one batch; scenario 2 acknowledges one file of many requests (most naming ids that do not
 * exist, a few real records) and processes it as one batch. Each reports the seconds to acknowledge, to route and
 * to complete, and checks that every request ended completed or not-found.
 */
public final class LedgerScaleBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerScaleBenchmark.class);
  /** Real records among each scenario's requests: enough to make the batch rewrite, purge and retrain. */
  private static final int REAL_RECORDS = 10;

  private LedgerScaleBenchmark() {}

  /** The JSON report. */
  public record Report(String benchmark, Map<String, String> environment, Map<String, Object> submissions,
      Map<String, Object> requests) {}

  public static Report run(SparkSession spark, LetheStore store, LetheSettings settings, int submissions,
      int requests, Path workDir) {
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench ledger: prepare")) {
      PrepareJob.run(spark, store, settings.data(), "prepare", new Ledger(spark, store).forgotten());
    }
    TrainJob.run(spark, store, settings, false);
    Ledger ledger = new Ledger(spark, store);
    if (!ledger.pending().isEmpty()) {
      throw new StoreException("Store " + store.uri() + " has pending requests; run the benchmark on a store of"
          + " its own.");
    }

    LOG.info("bench ledger: {} submissions of one request each", submissions);
    List<String> real = realRecords(spark, store, "submissions");
    long start = System.nanoTime();
    Map<String, Object> small = new LinkedHashMap<>();
    ForgetJournal manySubmissions;
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench ledger: submissions")) {
      // As `lethe forget --record ID` acknowledges: validated and written without Spark.
      LedgerIntake intake = new LedgerIntake(store);
      int window = Math.max(1, Math.min(100, submissions / 10));
      double firstWindow = 0;
      double lastWindow = 0;
      double[] byTenth = new double[10];
      for (int i = 0; i < submissions; i++) {
        String id = i < real.size() ? real.get(i) : "absent-sub-" + i;
        long t = System.nanoTime();
        intake.acknowledge(CommandLineRequests.validate(List.of(id), List.of(), "bench ledger"));
        double took = seconds(t);
        if (i < window) {
          firstWindow += took;
        }
        if (i >= submissions - window) {
          lastWindow += took;
        }
        byTenth[(int) ((long) i * 10 / submissions)] += took;
        if ((i + 1) % 500 == 0) {
          LOG.info("bench ledger: {} submissions acknowledged in {} s; this one took {} s", i + 1,
              round(seconds(start)), round(took));
        }
      }
      small.put("acknowledgeSeconds", round(seconds(start)));
      small.put("acknowledgeSecondsPerSubmission", round(seconds(start) / submissions));
      // Whether acknowledging grows with the ledger: the mean of the first and last window, and of each tenth.
      small.put("windowSubmissions", window);
      small.put("acknowledgeSecondsEachInFirstWindow", round4(firstWindow / window));
      small.put("acknowledgeSecondsEachInLastWindow", round4(lastWindow / window));
      List<Double> tenths = new java.util.ArrayList<>();
      for (int t = 0; t < 10; t++) {
        long inTenth = (long) Math.ceil((t + 1) * submissions / 10.0) - (long) Math.ceil(t * submissions / 10.0);
        tenths.add(inTenth == 0 ? 0 : round4(byTenth[t] / inTenth));
      }
      small.put("acknowledgeSecondsEachByTenth", tenths);
      long batchStart = System.nanoTime();
      manySubmissions = new ForgetJob(spark, store, settings).processPendingLocked().get(0);
      small.put("batchSeconds", round(seconds(batchStart)));
    }
    small.putAll(describe(spark, store, manySubmissions, submissions));
    small.put("submissions", submissions);

    LOG.info("bench ledger: one file of {} requests", requests);
    List<String> realForFile = realRecords(spark, store, "requests");
    Path file = writeRequestFile(workDir, requests, realForFile);
    Map<String, Object> big = new LinkedHashMap<>();
    ForgetJournal bigBatch;
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench ledger: requests")) {
      long t0 = System.nanoTime();
      Ledger.Acknowledgement ack = ledger.acknowledge(RequestReader.fromFile(spark, file.toString(),
          "bench ledger"));
      big.put("acknowledgeSeconds", round(seconds(t0)));
      big.put("acknowledged", ack.received());
      long batchStart = System.nanoTime();
      bigBatch = new ForgetJob(spark, store, settings).processPendingLocked().get(0);
      big.put("batchSeconds", round(seconds(batchStart)));
    }
    big.putAll(describe(spark, store, bigBatch, requests));
    big.put("requests", requests);
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Report("ledger", TrainBenchmark.environment(spark, settings), small, big);
  }

  /** Real record ids that no request names yet, chosen by a seeded hash of the id. */
  private static List<String> realRecords(SparkSession spark, LetheStore store, String salt) {
    DataManifest data = store.readLatestDataManifest();
    return ExamplesReader.examples(spark, store, data)
        .orderBy(xxhash64(col("record_id"), org.apache.spark.sql.functions.lit(salt)))
        .limit(REAL_RECORDS).select("record_id").as(Encoders.STRING()).collectAsList();
  }

  private static Path writeRequestFile(Path dir, int requests, List<String> real) {
    try {
      Files.createDirectories(dir);
      Path file = Files.createTempFile(dir, "bench-ledger-", ".csv");
      try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        out.write("record_id\n");
        for (int i = 0; i < requests; i++) {
          out.write(i < real.size() ? real.get(i) : "absent-req-" + i);
          out.write('\n');
        }
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the benchmark's request file into " + dir, e);
    }
  }

  /** Step times of the batch and the statuses its requests ended with. */
  private static Map<String, Object> describe(SparkSession spark, LetheStore store, ForgetJournal journal,
      long expected) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<ForgetState, Instant> at = new LinkedHashMap<>();
    for (JournalEntry e : journal.entries()) {
      at.put(e.state(), Instant.parse(e.at()));
    }
    out.put("batch", journal.batchId());
    out.put("routeSeconds", between(at.get(ForgetState.ACKNOWLEDGED), at.get(ForgetState.ROUTED)));
    out.put("acknowledgedToCompletedSeconds", between(at.get(ForgetState.ACKNOWLEDGED),
        at.get(ForgetState.COMPLETED)));
    Map<String, Long> statuses = new LinkedHashMap<>();
    for (Row r : RequestStatus.all(spark, store).filter(col("batch_id").equalTo(journal.batchId()))
        .groupBy("status").count().collectAsList()) {
      statuses.put(r.getString(0), r.getLong(1));
    }
    out.put("statuses", statuses);
    long done = statuses.getOrDefault("completed", 0L) + statuses.getOrDefault("not-found", 0L);
    if (done != expected) {
      throw new StoreException("bench ledger: batch " + journal.batchId() + " ended with statuses " + statuses
          + ", expected " + expected + " requests completed or not-found");
    }
    return out;
  }

  private static double between(Instant a, Instant b) {
    return round(Duration.between(a, b).toMillis() / 1000.0);
  }

  private static double round(double value) {
    return TrainBenchmark.round(value);
  }

  private static double round4(double value) {
    return Math.round(value * 10_000) / 10_000.0;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
