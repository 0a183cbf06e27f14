package io.lethe.jobs.api;

import io.lethe.jobs.config.ConfigKeys;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.config.SettingsLoader;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetReport;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.forget.RequestStatus;
import io.lethe.jobs.forget.RetrainJob;
import io.lethe.jobs.forget.Verifier;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.jobs.predict.PredictJob;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.ShardLineage;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.io.File;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One store, driven from an existing SparkSession. Each method is the job of the CLI command of the same name,
 * with the same locking and commit protocol; tables come back as Datasets ready for {@code z.show(...)}.
 *
 * <pre>
 * Lethe lethe = Lethe.open(spark, "file:///tmp/lethe-store", "lethe.data.shards=8");
 * lethe.prepare(); lethe.train();
 * lethe.forgetSubjects(List.of("train-00042"), "GDPR Art. 17");
 * z.show(lethe.requests());
 * </pre>
 */
public final class Lethe {
  private final SparkSession spark;
  private final LetheSettings settings;
  private final LetheStore store;

  private Lethe(SparkSession spark, LetheSettings settings) {
    this.spark = spark;
    this.settings = settings;
    this.store = LetheStore.open(LetheStore.toUri(settings.store().root()).toString(),
        spark.sparkContext().hadoopConfiguration(), settings.store().allowNonAtomicRename(), Clock.systemUTC());
  }

  /**
   * Opens the store at {@code storeUri} with the packaged defaults and {@code overrides} ({@code key=value}, as
   * {@code --set} takes them).
   */
  public static Lethe open(SparkSession spark, String storeUri, String... overrides) {
    List<String> all = new ArrayList<>(List.of(overrides));
    all.add(ConfigKeys.STORE_ROOT + "=" + storeUri);
    return new Lethe(spark, SettingsLoader.load(all));
  }

  /**
   * Opens the store at {@code storeUri} with the settings of {@code configFile} (HOCON, as {@code --config} takes
   * it) over the packaged defaults, then {@code overrides}: what a notebook needs to share one deployment's settings
   * with its scheduled jobs.
   */
  public static Lethe openWithConfig(SparkSession spark, String storeUri, String configFile, String... overrides) {
    List<String> all = new ArrayList<>(List.of(overrides));
    all.add(ConfigKeys.STORE_ROOT + "=" + storeUri);
    return new Lethe(spark, SettingsLoader.load(new File(configFile), all));
  }

  public LetheSettings settings() {
    return settings;
  }

  /**
   * {@code lethe status} as a table: one row per shard of the served generation (generation, data_version, shard,
   * served, served_slice, chain_length, checkpoint, train_rows); no rows before the first {@link #train()}.
   */
  public Dataset<Row> status() {
    StructType schema = new StructType()
        .add("generation", DataTypes.LongType, false)
        .add("data_version", DataTypes.IntegerType, false)
        .add("shard", DataTypes.IntegerType, false)
        .add("served", DataTypes.BooleanType, false)
        .add("served_slice", DataTypes.IntegerType, true)
        .add("chain_length", DataTypes.IntegerType, false)
        .add("checkpoint", DataTypes.StringType, true)
        .add("train_rows", DataTypes.LongType, false);
    List<Row> rows = new ArrayList<>();
    OptionalLong latest = store.latestGeneration();
    if (latest.isPresent()) {
      GenerationManifest generation = store.readGeneration(latest.getAsLong());
      for (ShardLineage shard : generation.shards()) {
        // served_slice: the served stage's last slice; chain_length: the stages kept of the served order.
        rows.add(RowFactory.create(generation.number(), generation.dataVersion(), shard.shard(), shard.isServed(),
            shard.isServed() ? shard.servedSlices().get(shard.servedSlices().size() - 1) : null,
            shard.sequences().isEmpty() ? 0 : shard.sequences().get(shard.servedSequence()).stages(),
            shard.isServed() ? shard.servedCheckpoint() : null, shard.trainRows()));
      }
    }
    return spark.createDataFrame(rows, schema);
  }

  /** {@code lethe prepare}: commits a data version (leaving out records whose deletion was requested). */
  public DataManifest prepare() {
    try (StoreLock lock = StoreLock.acquire(store, "lethe prepare (notebook)")) {
      return PrepareJob.run(spark, store, settings.data(), "prepare", new Ledger(spark, store).forgotten());
    }
  }

  /** {@code lethe train}: trains every shard and publishes a generation (a no-op when up to date). */
  public GenerationManifest train() {
    return TrainJob.run(spark, store, settings, false).generation();
  }

  /** {@code lethe forget --subject ...}: acknowledges the requests, processes them, returns the batch reports. */
  public List<ForgetReport> forgetSubjects(List<String> subjectIds, String reason) {
    return forget(RequestReader.fromIds(spark, List.of(), subjectIds, reason));
  }

  /** {@code lethe forget --record ...}. */
  public List<ForgetReport> forgetRecords(List<String> recordIds, String reason) {
    return forget(RequestReader.fromIds(spark, recordIds, List.of(), reason));
  }

  private List<ForgetReport> forget(Dataset<Row> requests) {
    try (StoreLock lock = StoreLock.acquire(store, "lethe forget (notebook)")) {
      new Ledger(spark, store).acknowledge(requests);
      List<ForgetReport> reports = new ArrayList<>();
      for (ForgetJournal journal : new ForgetJob(spark, store, settings).processPendingLocked()) {
        reports.add(ForgetReport.load(store, journal.batchId()));
      }
      return reports;
    }
  }

  /**
   * {@code lethe retrain}: retrains the shards that serve deactivated slices (deferred retraining) and returns the
   * generation served afterwards.
   */
  public GenerationManifest retrain() {
    return new RetrainJob(spark, store, settings).run("lethe retrain (notebook)").generation();
  }

  /** {@code lethe requests}: every request with its status and step times. */
  public Dataset<Row> requests() {
    return RequestStatus.all(spark, store);
  }

  /** A forget report as a two-column table (metric, value) for display. */
  public Dataset<Row> reportTable(ForgetReport report) {
    StructType schema = new StructType().add("metric", DataTypes.StringType).add("value", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    Map<String, Object> fields = new java.util.LinkedHashMap<>();
    fields.put("batch", report.batchId());
    fields.put("requests", report.requests());
    fields.put("not found", report.notFound());
    fields.put("train rows deleted", report.trainRowsDeleted());
    fields.put("shards touched (deleted slices)", report.shardsTouched());
    fields.put("unlearning", report.unlearning());
    fields.put("seconds to exact serving", report.latencyToServingCleanSeconds());
    fields.put("retrain seconds", report.totalRetrainSeconds());
    fields.put("full retrain seconds (same shards)", report.fullRetrainEstimateSeconds());
    fields.put("speed-up", report.speedup());
    if (report.before().isEmpty()) {
      fields.put("test accuracy after", report.testAccuracyAfter());
      fields.put("membership audit", "off (open with lethe.forget.membership-audit=true to measure it)");
    } else {
      fields.put("test accuracy before", report.before().get("testAccuracy"));
      fields.put("test accuracy after", report.testAccuracyAfter());
      fields.put("membership score of forgotten, before", report.before().get("forgottenMembership"));
      fields.put("membership score of forgotten, after", report.servingClean().get("forgottenMembership"));
      fields.put("membership score of unseen records", report.servingClean().get("unseenMembership"));
    }
    fields.forEach((k, v) -> rows.add(RowFactory.create(k, String.valueOf(v))));
    return spark.createDataFrame(rows, schema);
  }

  /** {@code lethe evaluate}. */
  public Evaluation evaluate() {
    return EvaluateJob.run(spark, store, settings, false);
  }

  /** Per-shard and ensemble test accuracy as a table (model, accuracy) for charts. */
  public Dataset<Row> accuracyTable() {
    Evaluation e = evaluate();
    StructType schema = new StructType().add("model", DataTypes.StringType).add("accuracy", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    e.shards().forEach(s -> rows.add(RowFactory.create("shard " + s.shard(), s.accuracy())));
    e.ensembleAccuracy().forEach((strategy, accuracy) -> rows.add(RowFactory.create("ensemble " + strategy,
        accuracy)));
    return spark.createDataFrame(rows, schema);
  }

  /** Scores rows (record_id, features[, label]) with the served generation. */
  public Dataset<Row> predict(Dataset<Row> rows) {
    return PredictJob.score(spark, store, settings, rows, settings.predict().aggregation(),
        settings.predict().includeProbabilities());
  }

  /** {@code lethe verify}: true when nothing in the store holds or was trained on a deleted record. */
  public Verifier.Result verify(boolean exact) {
    return new Verifier(spark, store, settings).run(exact);
  }
}
