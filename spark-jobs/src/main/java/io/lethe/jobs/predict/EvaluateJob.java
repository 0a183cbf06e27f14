package io.lethe.jobs.predict;

import static org.apache.spark.sql.functions.lit;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.spark.StoreHandle;
import io.lethe.jobs.train.BaselineTask;
import io.lethe.models.Aggregation;
import io.lethe.models.CheckpointCodec;
import io.lethe.models.ModelSpec;
import io.lethe.models.Scoring;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.ShardLineage;
import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe evaluate}: test accuracy of the served generation, per shard and for the ensemble under every
 * aggregation strategy, in one pass over the test split; optionally trains the monolithic baseline to compare.
 */
public final class EvaluateJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  private EvaluateJob() {}

  public static Evaluation run(SparkSession spark, LetheStore store, LetheSettings settings, boolean baseline) {
    DataManifest data = store.readLatestDataManifest();
    GenerationManifest generation = store.readServedGeneration();
    Dataset<Row> test = PrepareJob.loadTestSplit(spark, store, data.version());
    return evaluate(spark, store, settings, data, generation, test, baseline);
  }

  /** Evaluates {@code generation} on labelled rows. */
  public static Evaluation evaluate(SparkSession spark, LetheStore store, LetheSettings settings, DataManifest data,
      GenerationManifest generation, Dataset<Row> test, boolean baseline) {
    ServedModels models = ServedModels.of(generation, data.numFeatures(), data.numClasses());
    spark.sparkContext().setJobDescription("lethe evaluate generation " + generation.number());
    EvaluateTask task = new EvaluateTask(StoreHandle.of(store, spark, settings.store().allowNonAtomicRename()),
        models, settings.predict().batchSize());
    EvaluationCounts counts = test.select("record_id", "label", "features")
        .mapPartitions(task, Encoders.javaSerialization(EvaluationCounts.class))
        .collectAsList().stream()
        .reduce(EvaluationCounts.empty(models.size()), EvaluationCounts::merge);
    if (counts.getRows() == 0) {
      throw new IllegalStateException("The test split of data version " + data.version() + " is empty; prepare"
          + " with test inputs to evaluate.");
    }
    Map<String, Double> ensemble = new LinkedHashMap<>();
    for (Aggregation strategy : Aggregation.values()) {
      ensemble.put(strategy.configName(),
          (double) counts.getEnsembleCorrect()[strategy.ordinal()] / counts.getRows());
    }
    List<Evaluation.ShardAccuracy> shards = new ArrayList<>();
    List<ShardLineage> served = generation.servedShards();
    for (int m = 0; m < served.size(); m++) {
      ShardLineage shard = served.get(m);
      shards.add(new Evaluation.ShardAccuracy(shard.shard(), shard.servedStage() - 1, shard.trainRows(),
          (double) counts.getShardCorrect()[m] / counts.getRows()));
    }
    Evaluation.Baseline monolithic = baseline ? trainBaseline(spark, settings, data, store, test) : null;
    Evaluation evaluation = new Evaluation(generation.number(), data.version(), counts.getRows(), ensemble, shards,
        monolithic);
    LOG.info("Generation {}: ensemble accuracy {} on {} test rows", generation.number(), ensemble,
        counts.getRows());
    return evaluation;
  }

  private static Evaluation.Baseline trainBaseline(SparkSession spark, LetheSettings settings, DataManifest data,
      LetheStore store, Dataset<Row> test) {
    ModelSpec spec = settings.model().toSpec(data.numFeatures(), data.numClasses());
    spark.sparkContext().setJobDescription("lethe evaluate: monolithic baseline on " + data.trainRows() + " rows, "
        + spec.epochs() + " epochs");
    BaselineTask task = new BaselineTask(spec, settings.training());
    BaselineTask.Result result = PrepareJob.loadExamples(spark, store, data.version())
        .select("record_id", "label", "features").withColumn("slice", lit(0))
        .coalesce(1)
        .mapPartitions(task, Encoders.javaSerialization(BaselineTask.Result.class))
        .collectAsList().get(0);
    double accuracy = accuracy(result, test, data.numFeatures(), settings.predict().batchSize());
    LOG.info("Monolithic baseline: {} rows, {} epochs, accuracy {} ({} s)", data.trainRows(), spec.epochs(),
        accuracy, String.format("%.1f", result.seconds()));
    return new Evaluation.Baseline(data.trainRows(), spec.epochs(), accuracy, result.seconds());
  }

  /** Accuracy of the baseline on labelled test rows, scored on the driver (the baseline is a one-off check). */
  private static double accuracy(BaselineTask.Result result, Dataset<Row> test, int numFeatures, int batchSize) {
    MultiLayerNetwork model = CheckpointCodec.decode(result.zip(), result.sha256());
    LabelledRows rows = LabelledRows.collect(test, numFeatures);
    return rows.accuracy(Scoring.predictProbabilities(model, rows.features(), rows.size(), numFeatures, batchSize));
  }

}
