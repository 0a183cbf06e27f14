package io.lethe.jobs.forget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.predict.LabelledRows;
import io.lethe.models.Aggregation;
import io.lethe.models.Scoring;
import io.lethe.prep.ExampleSchema;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.Json;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The per-batch forget report: what was asked and found, what was touched, what retraining cost against training
 * the same shards from scratch, test accuracy before and after, and a membership-inference check on the forgotten
 * records. Stored as {@code report.json} and a readable {@code report.txt} beside the batch's journal; it holds
 * aggregate numbers only, never a deleted row's features.
 */
public record ForgetReport(
    String batchId,
    long requests,
    long notFound,
    long trainRowsDeleted,
    long testRowsDeleted,
    Map<String, Object> shardsTouched,
    long generationBefore,
    long generationServingClean,
    long generationAfter,
    double latencyToServingCleanSeconds,
    Map<String, Object> retrainSeconds,
    double totalRetrainSeconds,
    double fullRetrainEstimateSeconds,
    double speedup,
    int checkpointsPurged,
    int dataFilesRemoved,
    Map<String, Object> before,
    Map<String, Object> servingClean,
    double testAccuracyAfter,
    String unlearning) {

  /** {@link #unlearning} of a batch whose shards were retrained (or needed no retraining). */
  public static final String RETRAINED = "retrained";
  /** {@link #unlearning} of a deferred batch that ended serving deactivated prefixes. */
  public static final String RETRAIN_PENDING = "unlearned-by-deactivation-retrain-pending";

  /** Rows sampled for the membership-inference check (forgotten rows are all taken up to this many). */
  static final int SAMPLE = 2000;

  public static Path jsonPath(LetheStore store, String batchId) {
    return new Path(ForgetJournal.batchDir(store, batchId), "report.json");
  }

  public static Path textPath(LetheStore store, String batchId) {
    return new Path(ForgetJournal.batchDir(store, batchId), "report.txt");
  }

  static Path measurementsPath(LetheStore store, String batchId) {
    return new Path(ForgetJournal.batchDir(store, batchId), "measurements-before-deletion.json");
  }

  public static ForgetReport load(LetheStore store, String batchId) {
    return Json.read(store.readString(jsonPath(store, batchId)), ForgetReport.class, "forget report");
  }

  /** A readable summary for operators. */
  public String summary() {
    StringBuilder s = new StringBuilder();
    s.append(String.format("Forget batch %s%n", batchId));
    s.append(String.format("  requests: %d (%d not found); rows deleted: %d train, %d test%n", requests, notFound,
        trainRowsDeleted, testRowsDeleted));
    s.append(String.format("  shards touched (deleted slices): %s%n", shardsTouched));
    s.append(String.format("  generations: %d before, %d serving clean prefixes (%.2f s after acknowledgement),"
        + " %d after retraining%n", generationBefore, generationServingClean, latencyToServingCleanSeconds,
        generationAfter));
    if (RETRAIN_PENDING.equals(unlearning)) {
      s.append(String.format("  unlearned by deactivation; retraining deferred (lethe retrain)%n"));
    } else {
      s.append(String.format("  retraining: %.1f s %s vs %.1f s to train those shards from scratch (%.1fx"
          + " faster)%n", totalRetrainSeconds, retrainSeconds, fullRetrainEstimateSeconds, speedup));
    }
    s.append(String.format("  purged %d checkpoint(s), removed %d data file(s)%n", checkpointsPurged,
        dataFilesRemoved));
    if (before.isEmpty() && servingClean.isEmpty()) {
      s.append(String.format("  test accuracy after: %.4f%n", testAccuracyAfter));
      s.append(String.format("  membership audit: off (lethe.forget.membership-audit)%n"));
      return s.toString();
    }
    s.append(String.format("  test accuracy: before %s, serving clean %s, after %.4f%n",
        before.get("testAccuracy"), servingClean.get("testAccuracy"), testAccuracyAfter));
    s.append(String.format("  membership inference (mean score; unseen records are the bar):%n"));
    s.append(String.format("    before: forgotten %s, unseen %s, retained %s, attack AUC %s%n",
        before.get("forgottenMembership"), before.get("unseenMembership"), before.get("retainedMembership"),
        before.get("attackAuc")));
    s.append(String.format("    after:  forgotten %s, unseen %s, retained %s, attack AUC %s%n",
        servingClean.get("forgottenMembership"), servingClean.get("unseenMembership"),
        servingClean.get("retainedMembership"), servingClean.get("attackAuc")));
    s.append(String.format("  accuracy on the forgotten records: before %s, after %s%n",
        before.get("forgottenAccuracy"), servingClean.get("forgottenAccuracy")));
    return s.toString();
  }

  /** Measures before the data is deleted and writes the report when the batch completes. */
  static final class Writer {
    private final SparkSession spark;
    private final LetheStore store;
    private final LetheSettings settings;

    Writer(SparkSession spark, LetheStore store, LetheSettings settings) {
      this.spark = spark;
      this.store = store;
      this.settings = settings;
    }

    /**
     * While the deleted rows still exist: accuracy and membership scores of the generation before the batch and
     * of the clean-prefix generation, on the forgotten rows, retained rows and unseen test rows. Only the numbers
     * are kept.
     */
    void measureBefore(ForgetJournal journal, DataManifest old) {
      Path path = measurementsPath(store, journal.batchId());
      if (store.exists(path) || old.test() == null) {
        return;
      }
      Dataset<Row> routed = new Ledger(spark, store).routed(journal.batchId());
      Dataset<Row> deletedTrain = routed.filter(col(ForgetJob.SPLIT).equalTo(ForgetJob.TRAIN))
          .select(col(ExampleSchema.RECORD_ID).as("deleted_record_id")).distinct();
      Dataset<Row> examples = ExamplesReader.examples(spark, store, old);
      Column isDeleted = col(ExampleSchema.RECORD_ID).equalTo(col("deleted_record_id"));
      // Deterministic samples by a hash of the record id: no sort of the feature rows, no shuffle.
      Dataset<Row> forgotten = sample(examples.join(deletedTrain, isDeleted, "left_semi"),
          journal.result(StepResult.Routed.class).trainRows(), SAMPLE);
      Dataset<Row> retained = sample(examples.join(deletedTrain, isDeleted, "left_anti"), old.trainRows(), SAMPLE);
      Dataset<Row> test = sample(ExamplesReader.testSplit(spark, store, old), old.testRows(), 2 * SAMPLE);
      LabelledRows f = LabelledRows.collect(forgotten, old.numFeatures());
      LabelledRows r = LabelledRows.collect(retained, old.numFeatures());
      LabelledRows t = LabelledRows.collect(test, old.numFeatures());
      Map<String, Object> measurements = new LinkedHashMap<>();
      long before = journal.result(StepResult.Routed.class).generation();
      long clean = journal.result(StepResult.ServingClean.class).generation();
      measurements.put("before", measure(store.readGeneration(before), old, f, r, t));
      measurements.put("servingClean", measure(store.readGeneration(clean), old, f, r, t));
      store.commitNewFile(path, Json.write(measurements).getBytes(StandardCharsets.UTF_8), true);
    }

    /** About {@code wanted} of {@code total} rows, chosen by a hash of the record id. */
    private static Dataset<Row> sample(Dataset<Row> rows, long total, int wanted) {
      long every = Math.max(1, total / wanted);
      return every == 1 ? rows : rows.filter(pmod(xxhash64(col(ExampleSchema.RECORD_ID)), lit(every)).equalTo(0));
    }

    private Map<String, Object> measure(GenerationManifest generation, DataManifest data,
        LabelledRows forgotten, LabelledRows retained, LabelledRows test) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("generation", generation.number());
      if (generation.servedShards().isEmpty()) {
        m.put("note", "no shard served");
        return m;
      }
      m.put("testAccuracy", EvaluateJob.evaluate(spark, store, settings, data, generation,
          ExamplesReader.testSplit(spark, store, data), false).ensembleAccuracy()
          .get(Aggregation.MEAN_SOFTMAX.configName()));
      Ensemble ensemble = new Ensemble(store, generation, data.numFeatures(), settings.predict().batchSize());
      double[] forgottenLoss = ensemble.losses(forgotten);
      double[] retainedLoss = ensemble.losses(retained);
      double[] testLoss = ensemble.losses(test);
      int half = testLoss.length / 2;
      double[] attackTrain = java.util.Arrays.copyOfRange(testLoss, 0, half);
      double[] unseen = java.util.Arrays.copyOfRange(testLoss, half, testLoss.length);
      MembershipInference.Scores scores = MembershipInference.attack(retainedLoss, attackTrain, unseen,
          forgottenLoss);
      m.put("forgottenAccuracy", round(ensemble.accuracy(forgotten)));
      m.put("forgottenMembership", round(scores.forgotten()));
      m.put("unseenMembership", round(scores.unseen()));
      m.put("retainedMembership", round(scores.members()));
      m.put("attackAuc", round(scores.attackAuc()));
      m.put("forgottenRows", scores.forgottenRows());
      m.put("unseenRows", scores.unseenRows());
      return m;
    }

    /** Writes the report (idempotently) and returns the COMPLETED step's result. */
    StepResult.Completed complete(ForgetJournal journal) {
      String batchId = journal.batchId();
      if (!store.exists(jsonPath(store, batchId))) {
        ForgetReport report = build(journal);
        store.commitNewFile(textPath(store, batchId), report.summary().getBytes(StandardCharsets.UTF_8), true);
        store.commitNewFile(jsonPath(store, batchId), Json.write(report).getBytes(StandardCharsets.UTF_8), true);
      }
      ForgetReport report = load(store, batchId);
      return new StepResult.Completed(jsonPath(store, batchId).toString(), report.testAccuracyAfter(),
          RETRAIN_PENDING.equals(report.unlearning()));
    }

    @SuppressWarnings("unchecked")
    private ForgetReport build(ForgetJournal journal) {
      StepResult.Routed routed = journal.result(StepResult.Routed.class);
      StepResult.ServingClean clean = journal.result(StepResult.ServingClean.class);
      StepResult.DataRewritten rewritten = journal.result(StepResult.DataRewritten.class);
      StepResult.Purged purged = journal.result(StepResult.Purged.class);
      StepResult.Retrained retrained = journal.result(StepResult.Retrained.class);
      long after = journal.result(StepResult.Published.class).generation();
      Map<String, Object> seconds = new TreeMap<>();
      retrained.retrainSeconds().forEach((shard, s) -> seconds.put(Integer.toString(shard), s));
      double total = retrained.retrainSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
      double estimate = retrained.fullRetrainEstimateSeconds();
      Map<String, Object> touched = new TreeMap<>();
      routed.affectedSlices().forEach((shard, slices) -> touched.put(Integer.toString(shard), List.copyOf(slices)));
      Map<String, Object> measured = store.exists(measurementsPath(store, journal.batchId()))
          ? Json.read(store.readString(measurementsPath(store, journal.batchId())), Map.class, "measurements")
          : Map.of();
      GenerationManifest published = store.readGeneration(after);
      DataManifest data = store.readDataManifest(journal.result(StepResult.DataRewritten.class).dataVersion());
      double accuracyAfter = published.servedShards().isEmpty() || data.test() == null ? Double.NaN
          : EvaluateJob.evaluate(spark, store, settings, data, published, ExamplesReader.testSplit(spark, store,
              data), false).ensembleAccuracy().get(Aggregation.MEAN_SOFTMAX.configName());
      return new ForgetReport(journal.batchId(),
          journal.result(StepResult.Acknowledged.class).requests(),
          routed.notFound(),
          routed.trainRows(),
          routed.testRows(),
          touched,
          routed.generation(),
          clean.generation(),
          after,
          clean.latencyFromAcknowledgementSeconds(),
          seconds, round(total), round(estimate), total > 0 ? round(estimate / total) : Double.NaN,
          purged.purgedCheckpoints().size(),
          rewritten.removedFiles().size(),
          (Map<String, Object>) measured.getOrDefault("before", Map.of()),
          (Map<String, Object>) measured.getOrDefault("servingClean", Map.of()),
          round(accuracyAfter),
          retrained.deferred() ? RETRAIN_PENDING : RETRAINED);
    }
  }

  /** The served models of a generation, scored on the driver with mean-softmax. */
  static final class Ensemble {
    private final List<org.deeplearning4j.nn.multilayer.MultiLayerNetwork> models = new ArrayList<>();
    private final double[] weights;
    private final int numFeatures;
    private final int batchSize;

    Ensemble(LetheStore store, GenerationManifest generation, int numFeatures, int batchSize) {
      CheckpointRepository checkpoints = new CheckpointRepository(store);
      generation.servedShards().forEach(s -> models.add(checkpoints.loadModel(s.servedCheckpoint())));
      this.weights = generation.servedShards().stream().mapToDouble(ShardLineage::trainRows)
          .toArray();
      this.numFeatures = numFeatures;
      this.batchSize = batchSize;
    }

    float[][] probabilities(LabelledRows rows) {
      List<float[][]> perModel = new ArrayList<>();
      for (var model : models) {
        perModel.add(Scoring.predictProbabilities(model, rows.features(), rows.size(), numFeatures, batchSize));
      }
      return Aggregation.MEAN_SOFTMAX.aggregate(perModel, weights).probabilities();
    }

    /** Cross-entropy loss per row. */
    double[] losses(LabelledRows rows) {
      if (rows.size() == 0) {
        return new double[0];
      }
      float[][] p = probabilities(rows);
      double[] loss = new double[rows.size()];
      for (int i = 0; i < loss.length; i++) {
        loss[i] = -Math.log(Math.max(p[i][rows.labels()[i]], 1e-7));
      }
      return loss;
    }

    double accuracy(LabelledRows rows) {
      return rows.size() == 0 ? Double.NaN : rows.accuracy(probabilities(rows));
    }

  }

  static double round(double v) {
    return Double.isNaN(v) ? v : Math.round(v * 10000) / 10000.0;
  }
}
