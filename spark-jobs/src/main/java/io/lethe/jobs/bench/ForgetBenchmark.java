package io.lethe.jobs.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetReport;
import io.lethe.jobs.forget.ForgetState;
import io.lethe.jobs.forget.JournalEntry;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.forget.StepResult;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.train.BaselineTask;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.Aggregation;
import io.lethe.models.ModelSpec;
import io.lethe.models.SliceOrder;
import io.lethe.prep.ExamplesReader;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe bench forget}: forgets 1, 10 and 100 records (spread at random, and all from one shard) on the
 * prepared data and compares each with retraining the monolithic model and retraining every shard, with the
 * ensemble's accuracy after each and the latency until the served generation no longer carries the records.
 */
public final class ForgetBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(ForgetBenchmark.class);
  private static final int[] SIZES = {1, 10, 100};
  private static final int ONE_SHARD = 3;

  private ForgetBenchmark() {}

  /** The JSON report. */
  public record Report(String benchmark, Map<String, String> environment, Map<String, Object> baselines,
      List<Map<String, Object>> scenarios) {}

  public static Report run(SparkSession spark, LetheStore store, LetheSettings settings) {
    DataManifest data;
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench forget: prepare")) {
      data = PrepareJob.run(spark, store, settings.data(), "prepare",
          new Ledger(spark, store).forgotten());
    }
    TrainJob.run(spark, store, settings, false);
    data = store.readLatestDataManifest();
    ModelSpec spec = settings.model().toSpec(data.numFeatures(), data.numClasses());

    LOG.info("bench forget: retraining every shard from scratch (not stored)");
    Map<String, Object> baselines = new LinkedHashMap<>();
    List<TrainJob.ShardPlan> all = new ArrayList<>();
    for (int shard = 0; shard < data.settings().numShards(); shard++) {
      all.add(TrainJob.ShardPlan.proof(shard, 0, SliceOrder.natural(data.settings().numSlices())));
    }
    long start = System.nanoTime();
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench forget: all shards")) {
      TrainJob.trainShards(spark, store, settings, data, spec, all);
    }
    double allShards = seconds(start);
    LOG.info("bench forget: retraining the monolithic model");
    start = System.nanoTime();
    BaselineTask.Result monolithic = ExamplesReader.examples(spark, store, data)
        .select("record_id", "label", "features").withColumn("slice", org.apache.spark.sql.functions.lit(0))
        .coalesce(1)
        .mapPartitions(new BaselineTask(spec, settings.training()),
            Encoders.javaSerialization(BaselineTask.Result.class))
        .collectAsList().get(0);
    double monolithicSeconds = seconds(start);
    baselines.put("retrainAllShardsSeconds", TrainBenchmark.round(allShards));
    baselines.put("retrainMonolithicSeconds", TrainBenchmark.round(monolithicSeconds));
    baselines.put("monolithicTrainingOnlySeconds", TrainBenchmark.round(monolithic.seconds()));

    List<Map<String, Object>> scenarios = new ArrayList<>();
    // Each scenario starts from the generation the previous one published; without the membership audit the
    // report does not measure the accuracy before, so the bench carries it over.
    Object accuracyBefore = TrainBenchmark.round(EvaluateJob.evaluate(spark, store, settings, data,
        store.readServedGeneration(), ExamplesReader.testSplit(spark, store, data), false).ensembleAccuracy()
        .get(Aggregation.MEAN_SOFTMAX.configName()));
    for (String spread : List.of("random", "one-shard")) {
      for (int n : SIZES) {
        DataManifest current = store.readLatestDataManifest();
        var candidates = ExamplesReader.examples(spark, store, current);
        if (spread.equals("one-shard")) {
          candidates = candidates.filter(col("shard").equalTo(ONE_SHARD));
        }
        List<String> ids = candidates.orderBy(xxhash64(col("record_id"), org.apache.spark.sql.functions.lit(n
            + spread))).limit(n).select("record_id").as(Encoders.STRING()).collectAsList();
        LOG.info("bench forget: {} record(s), {}", n, spread);
        long t0 = System.nanoTime();
        ForgetJournal journal;
        try (StoreLock lock = StoreLock.acquire(store, "lethe bench forget")) {
          new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark, ids, List.of(), "bench"));
          journal = new ForgetJob(spark, store, settings).processPendingLocked().get(0);
        }
        double wall = seconds(t0);
        Map<String, Object> scenario = scenario(store, journal, spread, n, wall, allShards, monolithicSeconds);
        scenario.putIfAbsent("testAccuracyBefore", accuracyBefore);
        accuracyBefore = scenario.get("testAccuracyAfter");
        scenarios.add(scenario);
      }
    }
    return new Report("forget", TrainBenchmark.environment(spark, settings), baselines, scenarios);
  }

  private static Map<String, Object> scenario(LetheStore store, ForgetJournal journal, String spread, int n,
      double wall, double allShards, double monolithic) {
    Map<ForgetState, Instant> at = new LinkedHashMap<>();
    for (JournalEntry e : journal.entries()) {
      at.put(e.state(), Instant.parse(e.at()));
    }
    ForgetReport report = ForgetReport.load(store, journal.batchId());
    double measure = journal.result(StepResult.DataRewritten.class).measureSeconds();
    double toPublished = between(at.get(ForgetState.ACKNOWLEDGED), at.get(ForgetState.PUBLISHED)) - measure;
    GenerationManifest served = store.readServedGeneration();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("records", n);
    s.put("spread", spread);
    s.put("shardsTouched", report.shardsTouched());
    s.put("servingExactAfterAcknowledgementSeconds", report.latencyToServingCleanSeconds());
    s.put("retrainSeconds", report.totalRetrainSeconds());
    s.put("acknowledgedToPublishedSeconds", TrainBenchmark.round(toPublished));
    s.put("auditMeasurementSeconds", TrainBenchmark.round(measure));
    s.put("wallSecondsIncludingReport", TrainBenchmark.round(wall));
    s.put("speedupVsMonolithic", TrainBenchmark.round(monolithic / toPublished));
    s.put("speedupVsAllShards", TrainBenchmark.round(allShards / toPublished));
    if (report.before().containsKey("testAccuracy")) {
      s.put("testAccuracyBefore", report.before().get("testAccuracy"));
    }
    s.put("testAccuracyAfter", report.testAccuracyAfter());
    s.put("forgottenMembershipBefore", report.before().get("forgottenMembership"));
    s.put("forgottenMembershipAfter", report.servingClean().get("forgottenMembership"));
    s.put("unseenMembership", report.servingClean().get("unseenMembership"));
    s.put("generation", served.number());
    return s;
  }

  private static double between(Instant a, Instant b) {
    return Duration.between(a, b).toMillis() / 1000.0;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
