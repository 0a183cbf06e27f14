package io.lethe.jobs.train;

import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.spark.StoreHandle;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.models.SliceMetrics;
import io.lethe.models.SliceOrder;
import io.lethe.prep.ExamplesReader;
import io.lethe.store.DataManifest;
import io.lethe.store.FailPoints;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToLongFunction;
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
 * {@code lethe train}: trains every shard of the newest data version in each of its slice orders
 * ({@code lethe.model.sequences}; one order, the natural one, is SISA), one Spark job of one task per (shard, order)
 * so each shows up under its own description, then publishes one generation. Until that single commit nothing
 * changes for readers: a crash mid-way leaves the previous generation served.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private TrainJob() {}

  /** What a train run did. */
  public record Outcome(GenerationManifest generation, boolean upToDate,
      Map<ShardPlan.Key, ShardTrainResult> results, double seconds) {}

  /**
   * What to train for one sequence of one shard: from scratch, or continuing the kept stages of its chain.
   *
   * @param sequence index of the sequence in the shard's lineage
   * @param order the slice order the sequence trains in
   * @param kept the checkpoints of the stages already trained and kept, stage 1 first; the last one is resumed
   *     from (empty: from scratch)
   * @param persist false for a proof run: checkpoints are computed and compared, not stored
   */
  public record ShardPlan(int shard, int sequence, SliceOrder order, List<String> kept, boolean persist) {
    /** Identifies a plan's result. */
    public record Key(int shard, int sequence) {}

    public ShardPlan {
      kept = List.copyOf(kept);
    }

    public static ShardPlan fromScratch(int shard, int sequence, SliceOrder order) {
      return new ShardPlan(shard, sequence, order, List.of(), true);
    }

    public static ShardPlan resume(int shard, int sequence, SliceOrder order, List<String> kept) {
      return new ShardPlan(shard, sequence, order, kept, true);
    }

    /** Trains from scratch without storing anything, to compare the result with a stored checkpoint. */
    public static ShardPlan proof(int shard, int sequence, SliceOrder order) {
      return new ShardPlan(shard, sequence, order, List.of(), false);
    }

    public Key key() {
      return new Key(shard, sequence);
    }

    /** The checkpoint to resume from, or null from scratch. */
    public String resumeCheckpoint() {
      return kept.isEmpty() ? null : kept.get(kept.size() - 1);
    }
  }

  /** Trains all shards under the store's writer lock; a no-op when the served generation is already up to date. */
  public static Outcome run(SparkSession spark, LetheStore store, LetheSettings settings, boolean force) {
    long start = System.nanoTime();
    try (StoreLock lock = StoreLock.acquire(store, "lethe train")) {
      DataManifest data = store.readLatestDataManifest();
      ModelSpec spec = settings.model().toSpec(data.numFeatures(), data.numClasses());
      Map<Integer, List<SliceOrder>> orders = SequencePlanner.orders(spark, store, settings, data);
      Optional<GenerationManifest> current = servedGeneration(store);
      if (!force && current.isPresent() && isUpToDate(current.get(), data, spec, settings, orders)) {
        LOG.info("Generation {} already serves data version {} with this model config; nothing to train"
            + " (use --force to retrain anyway).", current.get().number(), data.version());
        return new Outcome(current.get(), true, Map.of(), seconds(start));
      }
      List<ShardPlan> plans = new ArrayList<>();
      orders.forEach((shard, shardOrders) -> {
        for (int sequence = 0; sequence < shardOrders.size(); sequence++) {
          plans.add(ShardPlan.fromScratch(shard, sequence, shardOrders.get(sequence)));
        }
      });
      Map<ShardPlan.Key, ShardTrainResult> results = trainShards(spark, store, settings, data, spec, plans);
      FailPoints.check("train.before-generation-commit");
      GenerationManifest generation = publish(spark, store, settings, data, spec, plans, results, current,
          "train");
      return new Outcome(generation, false, results, seconds(start));
    }
  }

  private static boolean isUpToDate(GenerationManifest generation, DataManifest data, ModelSpec spec,
      LetheSettings settings, Map<Integer, List<SliceOrder>> orders) {
    int numSlices = data.settings().numSlices();
    return generation.dataVersion() == data.version()
        && generation.configHash().equals(spec.configHash())
        && generation.nativeThreads() == settings.training().nativeThreads()
        && generation.numSlices() == numSlices
        // Deactivated stages are `lethe retrain`'s to restore; the orders stay those chosen at the last training.
        && generation.shards().stream().allMatch(s -> s.sequences().size() == orders.get(s.shard()).size());
  }

  static Optional<GenerationManifest> servedGeneration(LetheStore store) {
    OptionalLong latest = store.latestGeneration();
    return latest.isPresent() ? Optional.of(store.readGeneration(latest.getAsLong())) : Optional.empty();
  }

  /**
   * Trains the planned sequences, several at once (each a Spark job of one task); the caller holds the lock.
   *
   * @return each plan's result; a shard without rows in the data has none
   */
  public static Map<ShardPlan.Key, ShardTrainResult> trainShards(SparkSession spark, LetheStore store,
      LetheSettings settings, DataManifest data, ModelSpec spec, List<ShardPlan> plans) {
    StoreHandle handle = StoreHandle.of(store, spark, settings.store().allowNonAtomicRename());
    int parallel = settings.training().parallelShards() == 0 ? plans.size() : settings.training().parallelShards();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, plans.size())));
    String group = "lethe-train-" + System.nanoTime();
    try {
      Map<ShardPlan.Key, Future<Optional<ShardTrainResult>>> futures = new LinkedHashMap<>();
      for (ShardPlan plan : plans) {
        futures.put(plan.key(), pool.submit(() -> trainShard(spark, store, handle, settings, data, spec, plan,
            group)));
      }
      Map<ShardPlan.Key, ShardTrainResult> results = new LinkedHashMap<>();
      for (Map.Entry<ShardPlan.Key, Future<Optional<ShardTrainResult>>> f : futures.entrySet()) {
        try {
          f.getValue().get().ifPresent(r -> results.put(f.getKey(), r));
        } catch (ExecutionException e) {
          spark.sparkContext().cancelJobGroup(group);
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw new StoreException("Training shard " + f.getKey().shard() + " sequence " + f.getKey().sequence()
              + " failed: " + cause, cause);
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

  private static Optional<ShardTrainResult> trainShard(SparkSession spark, LetheStore store, StoreHandle handle,
      LetheSettings settings, DataManifest data, ModelSpec spec, ShardPlan plan, String group) {
    int shard = plan.shard();
    long rows = data.shardRows(shard);
    if (rows == 0) {
      LOG.warn("Shard {} has no rows in data version {}; it is left out of the generation.", shard, data.version());
      return Optional.empty();
    }
    int numSlices = data.settings().numSlices();
    String from = plan.resumeCheckpoint() == null ? "from scratch"
        : "from stage " + plan.kept().size() + " checkpoint " + plan.resumeCheckpoint().substring(0, 12);
    String which = plan.order().isNatural() && plan.sequence() == 0 ? ""
        : " sequence " + plan.sequence() + " (order " + plan.order() + ")";
    spark.sparkContext().setJobGroup(group, "lethe train", true);
    spark.sparkContext().setJobDescription("lethe train shard " + shard + which + " (" + rows + " rows, "
        + numSlices + " slices, " + from + ")");
    ShardTrainTask task = new ShardTrainTask(handle, spec, shard, plan.sequence(), plan.order(), numSlices,
        settings.training(), plan.resumeCheckpoint(), plan.persist());
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
    LOG.info("Shard {}{}: {} stage checkpoint(s) trained {} in {} s", shard, which, result.provenanceJson().size(),
        from, String.format("%.1f", result.seconds()));
    return Optional.of(result);
  }

  /**
   * Writes the run's per-stage metrics, then commits the generation in which each planned shard's lineage holds
   * its sequences (kept stages plus those trained now) and serves the longest. Shards without a plan keep their
   * lineage from {@code current}.
   */
  public static GenerationManifest publish(SparkSession spark, LetheStore store, LetheSettings settings,
      DataManifest data, ModelSpec spec, List<ShardPlan> plans, Map<ShardPlan.Key, ShardTrainResult> results,
      Optional<GenerationManifest> current, String reason) {
    long number = current.map(g -> g.number() + 1).orElse(1L);
    GenerationManifest.Builder next = current.map(GenerationManifest::buildFrom)
        .orElseGet(GenerationManifest::builder).number(number);
    Map<String, Long> rows = trainRows(results);
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    ToLongFunction<String> rowsOf = sha -> rows.containsKey(sha) ? rows.get(sha)
        : checkpoints.loadProvenance(sha).recordCount();
    Map<Integer, List<ShardLineage.Sequence>> sequences = new TreeMap<>();
    for (ShardPlan plan : plans) {
      ShardTrainResult result = results.get(plan.key());
      if (result == null) {
        continue;
      }
      List<String> chain = new ArrayList<>(plan.kept());
      result.provenance().stream().sorted(Comparator.comparingInt(Provenance::stage))
          .forEach(p -> chain.add(p.zipSha256()));
      sequences.computeIfAbsent(plan.shard(), s -> new ArrayList<>())
          .add(new ShardLineage.Sequence(plan.order().slices(), chain));
    }
    plans.stream().map(ShardPlan::shard).distinct().forEach(shard -> next.shard(sequences.containsKey(shard)
        ? ShardLineage.serving(shard, sequences.get(shard), rowsOf)
        : ShardLineage.untrained(shard)));
    writeMetrics(spark, store, number, results);
    GenerationManifest generation = next.createdAt(store.clock().instant().toString()).reason(reason)
        .key(reason + "/" + number).dataVersion(data.version())
        .model(spec.configHash(), spec.toJson(), data.settings().numSlices(), settings.training().nativeThreads())
        .build();
    store.commitGeneration(generation);
    return generation;
  }

  /** Rows each freshly trained checkpoint saw, from the results' provenance. */
  static Map<String, Long> trainRows(Map<ShardPlan.Key, ShardTrainResult> results) {
    Map<String, Long> rows = new HashMap<>();
    results.values().forEach(r -> r.provenance().forEach(p -> rows.put(p.zipSha256(), p.recordCount())));
    return rows;
  }

  private static final StructType METRICS_SCHEMA = new StructType()
      .add("generation", DataTypes.LongType, false)
      .add("shard", DataTypes.IntegerType, false)
      .add("slice", DataTypes.IntegerType, false)
      .add("epochs", DataTypes.IntegerType, false)
      .add("examples", DataTypes.LongType, false)
      .add("loss", DataTypes.DoubleType, false)
      .add("train_accuracy", DataTypes.DoubleType, false)
      .add("seconds", DataTypes.DoubleType, false)
      .add("sequence", DataTypes.IntegerType, false);

  /**
   * Per-stage training metrics of generation {@code number}, stored for plots and reports; {@code slice} is the
   * 0-based stage of the row's {@code sequence}.
   */
  private static void writeMetrics(SparkSession spark, LetheStore store, long number,
      Map<ShardPlan.Key, ShardTrainResult> results) {
    List<Row> rows = new ArrayList<>();
    for (ShardTrainResult result : results.values()) {
      for (SliceMetrics m : result.metrics()) {
        rows.add(RowFactory.create(number, m.shard(), m.slice(), m.epochs(), m.examples(), m.loss(),
            m.trainAccuracy(), m.seconds(), result.sequence()));
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
