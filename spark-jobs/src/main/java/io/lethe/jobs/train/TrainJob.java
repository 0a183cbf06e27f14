package io.lethe.jobs.train;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.spark.StoreHandle;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.models.SliceMetrics;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe train}: trains every shard of the newest data version with SISA slicing, one Spark job (of one
 * task) per shard so each shows up under its own description, then publishes one generation. Until that single
 * commit nothing changes for readers: a crash mid-way leaves the previous generation served.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private TrainJob() {}

  /** What a train run did. */
  public record Outcome(GenerationManifest generation, boolean upToDate, Map<Integer, ShardTrainResult> results,
      double seconds) {}

  /**
   * What to train for one shard: from scratch, or from a checkpoint whose next slice is trained first.
   *
   * @param persist false for a proof run: checkpoints are computed and compared, not stored
   */
  public record ShardPlan(int shard, String resumeCheckpoint, List<String> keptChain, boolean persist) {
    public static ShardPlan fromScratch(int shard) {
      return new ShardPlan(shard, null, List.of(), true);
    }

    public static ShardPlan resume(int shard, String checkpoint, List<String> keptChain) {
      return new ShardPlan(shard, checkpoint, keptChain, true);
    }

    /** Trains from scratch without storing anything, to compare the result with a stored checkpoint. */
    public static ShardPlan proof(int shard) {
      return new ShardPlan(shard, null, List.of(), false);
    }
  }

  /** Trains all shards under the store's writer lock; a no-op when the served generation is already up to date. */
  public static Outcome run(SparkSession spark, LetheStore store, LetheSettings settings, boolean force) {
    long start = System.nanoTime();
    try (StoreLock lock = StoreLock.acquire(store, "lethe train")) {
      DataManifest data = store.readLatestDataManifest();
      ModelSpec spec = settings.model().toSpec(data.numFeatures(), data.numClasses());
      Optional<GenerationManifest> current = servedGeneration(store);
      if (!force && current.isPresent() && isUpToDate(current.get(), data, spec, settings)) {
        LOG.info("Generation {} already serves data version {} with this model config; nothing to train"
            + " (use --force to retrain anyway).", current.get().number(), data.version());
        return new Outcome(current.get(), true, Map.of(), seconds(start));
      }
      List<ShardPlan> plans = new ArrayList<>();
      for (int shard = 0; shard < data.settings().numShards(); shard++) {
        plans.add(ShardPlan.fromScratch(shard));
      }
      Map<Integer, ShardTrainResult> results = trainShards(spark, store, settings, data, spec, plans);
      FailPoints.check("train.before-generation-commit");
      GenerationManifest generation = publish(spark, store, settings, data, spec, plans, results, current,
          "train");
      return new Outcome(generation, false, results, seconds(start));
    }
  }

  private static boolean isUpToDate(GenerationManifest generation, DataManifest data, ModelSpec spec,
      LetheSettings settings) {
    return generation.dataVersion() == data.version()
        && generation.configHash().equals(spec.configHash())
        && generation.nativeThreads() == settings.training().nativeThreads()
        && generation.numSlices() == data.settings().numSlices()
        && generation.shards().stream().allMatch(s -> s.servedSlice() == s.chain().size() - 1
            && s.chain().size() == data.settings().numSlices());
  }

  static Optional<GenerationManifest> servedGeneration(LetheStore store) {
    OptionalLong latest = store.latestGeneration();
    return latest.isPresent() ? Optional.of(store.readGeneration(latest.getAsLong())) : Optional.empty();
  }

  /**
   * Trains the planned shards, several at once (each a Spark job of one task); the caller holds the lock.
   *
   * @return each shard's result; a shard without rows in the data has no result
   */
  public static Map<Integer, ShardTrainResult> trainShards(SparkSession spark, LetheStore store,
      LetheSettings settings, DataManifest data, ModelSpec spec, List<ShardPlan> plans) {
    StoreHandle handle = StoreHandle.of(store, spark, settings.store().allowNonAtomicRename());
    int parallel = settings.training().parallelShards() == 0 ? plans.size() : settings.training().parallelShards();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, plans.size())));
    String group = "lethe-train-" + System.nanoTime();
    try {
      Map<Integer, Future<Optional<ShardTrainResult>>> futures = new TreeMap<>();
      for (ShardPlan plan : plans) {
        futures.put(plan.shard(), pool.submit(() -> trainShard(spark, store, handle, settings, data, spec, plan,
            group)));
      }
      Map<Integer, ShardTrainResult> results = new TreeMap<>();
      for (Map.Entry<Integer, Future<Optional<ShardTrainResult>>> f : futures.entrySet()) {
        try {
          f.getValue().get().ifPresent(r -> results.put(f.getKey(), r));
        } catch (ExecutionException e) {
          spark.sparkContext().cancelJobGroup(group);
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw new StoreException("Training shard " + f.getKey() + " failed: " + cause, cause);
        }
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      spark.sparkContext().cancelJobGroup(group);
      throw new StoreException("Interrupted while training shards", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Optional<ShardTrainResult> trainShard(SparkSession spark, LetheStore store, StoreHandle handle, LetheSettings settings, DataManifest data, ModelSpec spec, ShardPlan plan, String group) {
    int shard = plan.shard();
    long rows = data.shardRows(shard);
    if (rows == 0) {
      LOG.warn("Shard {} has no rows in data version {}; it is left out of the generation.", shard, data.version());
      return Optional.empty();
    }
    int numSlices = data.settings().numSlices();
    String from = plan.resumeCheckpoint() == null ? "from scratch"
        : "from slice " + (plan.keptChain().size() - 1) + " checkpoint " + plan.resumeCheckpoint().substring(0, 12);
    spark.sparkContext().setJobGroup(group, "lethe train", true);
    spark.sparkContext().setJobDescription("lethe train shard " + shard + " (" + rows + " rows, " + numSlices
        + " slices, " + from + ")");
    ShardTrainTask task = new ShardTrainTask(handle, spec, shard, numSlices, settings.training().nativeThreads(),
        plan.resumeCheckpoint(), plan.persist());
    List<String> out = ExamplesReader.shard(spark, store, data, shard)
        .select("record_id", "label", "features", "slice")
        .coalesce(1)
        .mapPartitions(task, Encoders.STRING())
        .collectAsList();
    if (out.size() != 1) {
      throw new StoreException("Training shard " + shard + " returned " + out.size() + " results instead of one;"
          + " the examples of data version " + data.version() + " are not laid out one shard per directory.");
    }
    ShardTrainResult result = ShardTrainResult.fromJson(out.get(0));
    FailPoints.check("train.after-shard-" + shard);
    LOG.info("Shard {}: {} slice checkpoint(s) trained {} in {} s", shard, result.provenanceJson().size(), from,
        String.format("%.1f", result.seconds()));
    return Optional.of(result);
  }

  /**
   * Writes the run's per-slice metrics, then commits the generation that serves each shard's full chain. Shards
   * without a plan keep their entry from {@code current}.
   */
  public static GenerationManifest publish(SparkSession spark, LetheStore store, LetheSettings settings,
      DataManifest data, ModelSpec spec, List<ShardPlan> plans, Map<Integer, ShardTrainResult> results,
      Optional<GenerationManifest> current, String reason) {
    long number = current.map(g -> g.number() + 1).orElse(1L);
    Map<Integer, GenerationManifest.ShardEntry> shards = new TreeMap<>();
    current.ifPresent(g -> g.shards().forEach(s -> shards.put(s.shard(), s)));
    for (ShardPlan plan : plans) {
      ShardTrainResult result = results.get(plan.shard());
      if (result == null) {
        shards.put(plan.shard(), new GenerationManifest.ShardEntry(plan.shard(), List.of(), -1, 0));
        continue;
      }
      List<String> chain = new ArrayList<>(plan.keptChain());
      List<Provenance> provenance = result.provenance();
      provenance.stream().sorted(Comparator.comparingInt(Provenance::slice)).forEach(p -> chain.add(p.zipSha256()));
      long trainRows = provenance.get(provenance.size() - 1).recordCount();
      shards.put(plan.shard(), new GenerationManifest.ShardEntry(plan.shard(), chain, chain.size() - 1, trainRows));
    }
    writeMetrics(spark, store, number, results);
    GenerationManifest generation = new GenerationManifest(LetheStore.FORMAT_VERSION, number,
        current.map(GenerationManifest::number).orElse(null), store.clock().instant().toString(), reason,
        data.version(), spec.configHash(), spec.toJson(), data.settings().numSlices(),
        settings.training().nativeThreads(), new ArrayList<>(shards.values()));
    store.commitGeneration(generation);
    return generation;
  }

  private static final StructType METRICS_SCHEMA = new StructType()
      .add("generation", DataTypes.LongType, false)
      .add("shard", DataTypes.IntegerType, false)
      .add("slice", DataTypes.IntegerType, false)
      .add("epochs", DataTypes.IntegerType, false)
      .add("examples", DataTypes.LongType, false)
      .add("loss", DataTypes.DoubleType, false)
      .add("train_accuracy", DataTypes.DoubleType, false)
      .add("seconds", DataTypes.DoubleType, false);

  /** Per-slice training metrics of generation {@code number}, stored for plots and reports. */
  private static void writeMetrics(SparkSession spark, LetheStore store, long number,
      Map<Integer, ShardTrainResult> results) {
    List<Row> rows = new ArrayList<>();
    for (ShardTrainResult result : results.values()) {
      for (SliceMetrics m : result.metrics()) {
        rows.add(RowFactory.create(number, m.shard(), m.slice(), m.epochs(), m.examples(), m.loss(),
            m.trainAccuracy(), m.seconds()));
      }
    }
    Path target = metricsPath(store, number);
    // Metrics of a generation whose commit never happened (a crash) are not referenced by anything.
    store.deleteIfExists(target);
    Path staged = new Path(store.newStagingDir("metrics"), "metrics");
    spark.createDataFrame(rows, METRICS_SCHEMA).coalesce(1).write().mode(SaveMode.ErrorIfExists)
        .parquet(staged.toString());
    store.commitRename(staged, target);
    store.deleteIfExists(staged.getParent());
  }

  public static Path metricsPath(LetheStore store, long generation) {
    return new Path(store.layout().metricsDir(), "gen-" + generation);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
