package io.lethe.jobs.predict;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.spark.StoreHandle;
import io.lethe.models.Aggregation;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.ShardLineage;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe predict}: scores rows with the served generation and writes Parquet (record_id, label if known,
 * prediction, optionally probabilities). The output appears complete or not at all: it is written beside the
 * target and renamed into place.
 *
 * <p>A predict runs on the generation served when it starts, while a forget may run at the same time. It finishes
 * on that generation unless a forget purges one of its checkpoints before the output is in place: then it writes
 * nothing and stops with one line saying so, since the purged model saw records whose deletion was requested and a
 * newer generation serves without them.
 */
public final class PredictJob {
  private static final Logger LOG = LoggerFactory.getLogger(PredictJob.class);

  private PredictJob() {}

  /** What a predict run wrote. */
  public record Outcome(long generation, int servedShards, long rows, String output, Aggregation aggregation) {}

  /** The scored rows, lazily: a Dataset the caller may write, show or collect. */
  public static Dataset<Row> score(SparkSession spark, LetheStore store, LetheSettings settings,
      Dataset<Row> input, Aggregation aggregation, boolean includeProbabilities) {
    DataManifest data = store.readLatestDataManifest();
    GenerationManifest generation = store.readServedGeneration();
    ServedModels models = ServedModels.of(generation, data.numFeatures(), data.numClasses());
    boolean hasLabel = Arrays.asList(input.columns()).contains("label");
    PredictTask task = new PredictTask(StoreHandle.of(store, spark, settings.store().allowNonAtomicRename()),
        models, aggregation, settings.predict().batchSize(), includeProbabilities, hasLabel);
    return input.mapPartitions(task, Encoders.row(PredictTask.outputSchema(hasLabel, includeProbabilities)));
  }

  /** Scores {@code input} and writes the predictions to {@code output}. */
  public static Outcome run(SparkSession spark, LetheStore store, LetheSettings settings, Dataset<Row> input,
      String output, boolean overwrite) {
    GenerationManifest generation = store.readServedGeneration();
    Aggregation aggregation = settings.predict().aggregation();
    spark.sparkContext().setJobDescription("lethe predict with generation " + generation.number() + " ("
        + generation.servedShards().size() + " shards, " + aggregation.configName() + ")");
    Dataset<Row> scored = score(spark, store, settings, input, aggregation,
        settings.predict().includeProbabilities());
    Path target = new Path(output);
    try {
      FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(target) && !overwrite) {
        throw new StoreException("Output " + output + " already exists; choose another path or pass --overwrite.");
      }
      Path staged = new Path(target.getParent(), "." + target.getName() + ".lethe-tmp-" + UUID.randomUUID());
      FailPoints.check("predict.before-scoring");
      Optional<String> purgedBefore = purgedWhileRunning(store, generation);
      if (purgedBefore.isPresent()) {
        throw new StoreException(purgedBefore.get());
      }
      try {
        scored.write().parquet(staged.toString());
      } catch (Exception e) {
        fs.delete(staged, true);
        Optional<String> purged = purgedWhileRunning(store, generation);
        if (purged.isPresent()) {
          throw new StoreException(purged.get(), e);
        }
        throw e;
      }
      FailPoints.check("predict.before-commit");
      Optional<String> purged = purgedWhileRunning(store, generation);
      if (purged.isPresent()) {
        fs.delete(staged, true);
        throw new StoreException(purged.get());
      }
      if (fs.exists(target)) {
        fs.delete(target, true);
      }
      if (!fs.rename(staged, target)) {
        throw new StoreException("Could not move predictions from " + staged + " to " + output);
      }
      long rows = spark.read().parquet(output).count();
      LOG.info("Wrote {} predictions of generation {} to {}", rows, generation.number(), output);
      return new Outcome(generation.number(), generation.servedShards().size(), rows, output, aggregation);
    } catch (IOException e) {
      throw new StoreException("Cannot write predictions to " + output + ": " + e.getMessage(), e);
    }
  }

  /**
   * Why the predictions of {@code generation} must not be published, if a forget purged one of its checkpoints
   * while this predict ran: a purged checkpoint saw records whose deletion was requested, and a newer generation
   * serves without it. Predictions are published only while every model that made them is still kept.
   */
  static Optional<String> purgedWhileRunning(LetheStore store, GenerationManifest generation) {
    for (ShardLineage shard : generation.servedShards()) {
      if (!store.exists(store.layout().checkpointZip(shard.servedCheckpoint()))) {
        long served = store.latestGeneration().orElse(generation.number());
        return Optional.of("Generation " + generation.number() + ", which this predict started with, was replaced"
            + " by generation " + served + " while it ran, and a forget purged its checkpoint of shard "
            + shard.shard() + " (" + shard.servedCheckpoint().substring(0, 12) + ", a model trained on records"
            + " whose deletion was requested); no predictions were written. Run predict again: it will use"
            + " generation " + served + ".");
      }
    }
    return Optional.empty();
  }
}
