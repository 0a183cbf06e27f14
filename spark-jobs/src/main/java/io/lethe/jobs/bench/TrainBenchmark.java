package io.lethe.jobs.bench;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.jobs.train.BuildInfo;
import io.lethe.jobs.train.ExampleRows;
import io.lethe.jobs.train.ShardTrainResult;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.ModelSpec;
import io.lethe.models.NativeRuntime;
import io.lethe.models.Provenance;
import io.lethe.models.ShardTrainer;
import io.lethe.models.SliceOrder;
import io.lethe.models.SliceData;
import io.lethe.models.SliceMetrics;
import io.lethe.models.TrainingCost;
import io.lethe.jobs.forget.Ledger;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe bench train}: on the store's newest data version, measures full SISA training on Spark, the Spark
 * overhead against the same shard trained by plain DL4J in one JVM, shards in parallel against one after another,
 * and ensemble against monolithic accuracy.
 */
public final class TrainBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(TrainBenchmark.class);

  private TrainBenchmark() {}

  /** Everything the benchmark measured; serialized as the JSON report. */
  public record Report(
      String benchmark,
      Map<String, String> environment,
      Map<String, Object> data,
      Map<String, Object> fullTraining,
      Map<String, Object> sparkOverhead,
      Map<String, Object> parallelism,
      Map<String, Object> accuracy,
      Map<String, Object> throughput) {}

  public static Report run(SparkSession spark, LetheStore store, LetheSettings settings) {
    DataManifest data;
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench train: prepare")) {
      data = PrepareJob.run(spark, store, settings.data(), "prepare",
          new Ledger(spark, store).forgotten());
    }
    ModelSpec spec = settings.model().toSpec(data.numFeatures(), data.numClasses());

    LOG.info("bench: full training of {} shards x {} slices", data.settings().numShards(),
        data.settings().numSlices());
    TrainJob.Outcome full = TrainJob.run(spark, store, settings, true);
    Map<String, Object> fullTraining = new LinkedHashMap<>();
    long examplesProcessed = 0;
    Map<String, Double> perShard = new LinkedHashMap<>();
    for (ShardTrainResult r : full.results().values()) {
      perShard.put("shard-" + r.shard(), round(r.seconds()));
      for (SliceMetrics m : r.metrics()) {
        examplesProcessed += m.examples() * m.epochs();
      }
    }
    fullTraining.put("wallSeconds", round(full.seconds()));
    fullTraining.put("examplesProcessed", examplesProcessed);
    fullTraining.put("examplesPerSecond", round(examplesProcessed / full.seconds()));
    fullTraining.put("shardSeconds", perShard);
    fullTraining.put("generation", full.generation().number());

    Map<String, Object> overhead = measureOverhead(spark, store, settings, data, spec);
    Map<String, Object> parallelism = measureParallelism(spark, store, settings, data, spec);

    LOG.info("bench: evaluating ensemble and monolithic baseline");
    Evaluation evaluation = EvaluateJob.run(spark, store, settings, true);
    Map<String, Object> accuracy = new LinkedHashMap<>();
    accuracy.put("ensemble", evaluation.ensembleAccuracy());
    accuracy.put("shardMin", evaluation.shards().stream().mapToDouble(Evaluation.ShardAccuracy::accuracy).min()
        .orElse(Double.NaN));
    accuracy.put("shardMax", evaluation.shards().stream().mapToDouble(Evaluation.ShardAccuracy::accuracy).max()
        .orElse(Double.NaN));
    accuracy.put("monolithic", evaluation.baseline().accuracy());
    accuracy.put("monolithicTrainSeconds", round(evaluation.baseline().trainSeconds()));
    accuracy.put("testRows", evaluation.testRows());

    Map<String, Object> dataInfo = new LinkedHashMap<>();
    dataInfo.put("source", data.settings().source());
    dataInfo.put("trainRows", data.trainRows());
    dataInfo.put("testRows", data.testRows());
    dataInfo.put("shards", data.settings().numShards());
    dataInfo.put("slices", data.settings().numSlices());
    dataInfo.put("architecture", spec.architecture().configName());
    dataInfo.put("epochs", spec.epochs());
    dataInfo.put("epochsPerSlice", spec.epochsPerSlice(data.settings().numSlices()));
    Map<String, Object> throughput = measureThroughput(spark, settings, data, spec, examplesProcessed,
        full.seconds(), evaluation);
    return new Report("train", environment(spark, settings), dataInfo, fullTraining, overhead, parallelism,
        accuracy, throughput);
  }

  /**
   * Training throughput against what this machine can do: examples/s and achieved GFLOP/s of the monolithic
   * model (one task, one native thread) and of the full sharded training (its tasks in parallel), each as a share
   * of a single-thread ND4J GEMM of the first layer's shape (batch x features by features x first hidden width)
   * measured here and now, times the cores the training used.
   */
  private static Map<String, Object> measureThroughput(SparkSession spark, LetheSettings settings,
      DataManifest data, ModelSpec spec, long examplesProcessed, double fullSeconds, Evaluation evaluation) {
    Map<String, Object> result = new LinkedHashMap<>();
    OptionalDouble flops = TrainingCost.flopsPerExample(spec);
    if (flops.isEmpty() || spec.hiddenLayers().isEmpty()) {
      result.put("note", "no FLOP model for " + spec.architecture().configName());
      return result;
    }
    LOG.info("bench: single-thread GEMM of the first layer's shape");
    NativeRuntime.pinThreads(settings.training().nativeThreads());
    TrainingCost.GemmRate gemm = TrainingCost.measureGemm(spec.batchSize(), spec.numFeatures(),
        spec.hiddenLayers().get(0), 1.0, 3);
    Map<String, Object> peak = new LinkedHashMap<>();
    peak.put("shape", gemm.m() + "x" + gemm.k() + " by " + gemm.k() + "x" + gemm.n());
    peak.put("nativeThreads", settings.training().nativeThreads());
    peak.put("gflops", round(gemm.gflops()));
    result.put("gemmPeak", peak);
    result.put("flopsPerExample", flops.getAsDouble());

    long monolithicExamples = evaluation.baseline().trainRows() * evaluation.baseline().epochs();
    double monolithicSeconds = evaluation.baseline().trainSeconds();
    result.put("monolithic", rate(monolithicExamples, monolithicSeconds, flops.getAsDouble(), gemm, 1));
    int cores = Math.min(spark.sparkContext().defaultParallelism(), data.settings().numShards());
    result.put("fullTraining", rate(examplesProcessed, fullSeconds, flops.getAsDouble(), gemm, cores));
    return result;
  }

  private static Map<String, Object> rate(long examples, double seconds, double flopsPerExample,
      TrainingCost.GemmRate gemm, int cores) {
    double gflops = examples * flopsPerExample / seconds / 1e9;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("examples", examples);
    r.put("seconds", round(seconds));
    r.put("examplesPerSecond", round(examples / seconds));
    r.put("gflops", round(gflops));
    r.put("cores", cores);
    r.put("shareOfGemmPeak", round(gflops / (gemm.gflops() * cores)));
    return r;
  }

  /** Shard 0 as a Spark job against the same shard trained by plain DL4J on the driver. */
  private static Map<String, Object> measureOverhead(SparkSession spark, LetheStore store, LetheSettings settings,
      DataManifest data, ModelSpec spec) {
    LOG.info("bench: Spark overhead on shard 0");
    long start = System.nanoTime();
    ShardTrainResult viaSpark;
    SliceOrder natural = SliceOrder.natural(data.settings().numSlices());
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench train: overhead")) {
      viaSpark = TrainJob.trainShards(spark, store, settings, data, spec,
          List.of(TrainJob.ShardPlan.fromScratch(0, 0, natural))).get(new TrainJob.ShardPlan.Key(0, 0));
    }
    double sparkSeconds = seconds(start);

    start = System.nanoTime();
    List<Row> rows = PrepareJob.loadExamples(spark, store, data.version())
        .filter("shard = 0").select("record_id", "label", "features", "slice").collectAsList();
    double loadSeconds = seconds(start);
    List<SliceData> slices = ExampleRows.toSlices(rows.iterator(), 0, data.settings().numSlices(),
        spec.numFeatures());
    NativeRuntime.pinThreads(settings.training().nativeThreads());
    start = System.nanoTime();
    List<Provenance> plain = new ArrayList<>();
    try {
      settings.training().applyTo(ShardTrainer.builder()).spec(spec).shard(0)
          .numSlices(data.settings().numSlices()).libraryVersions(BuildInfo.libraryVersions())
          .clock(Clock.systemUTC()).build()
          .train(slices, null, (checkpoint, provenance) -> plain.add(provenance));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    double plainSeconds = seconds(start);
    List<Provenance> spark0 = viaSpark.provenance();
    boolean identical = spark0.get(spark0.size() - 1).zipSha256().equals(plain.get(plain.size() - 1).zipSha256());
    Map<String, Object> overhead = new LinkedHashMap<>();
    overhead.put("shard", 0);
    overhead.put("rows", data.shardRows(0));
    overhead.put("sparkJobSeconds", round(sparkSeconds));
    overhead.put("sparkTaskTrainingSeconds", round(viaSpark.seconds()));
    overhead.put("plainDl4jSeconds", round(plainSeconds));
    overhead.put("plainDl4jDataLoadSeconds", round(loadSeconds));
    overhead.put("overheadRatio", round(sparkSeconds / plainSeconds));
    overhead.put("identicalCheckpoints", identical);
    return overhead;
  }

  /** Shards 0 and 1 trained at the same time against one after another. */
  private static Map<String, Object> measureParallelism(SparkSession spark, LetheStore store,
      LetheSettings settings, DataManifest data, ModelSpec spec) {
    LOG.info("bench: shards 0 and 1 in parallel vs sequentially");
    SliceOrder natural = SliceOrder.natural(data.settings().numSlices());
    List<TrainJob.ShardPlan> two = List.of(TrainJob.ShardPlan.fromScratch(0, 0, natural),
        TrainJob.ShardPlan.fromScratch(1, 0, natural));
    Map<String, Object> result = new LinkedHashMap<>();
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench train: parallelism")) {
      long start = System.nanoTime();
      TrainJob.trainShards(spark, store, withParallelShards(settings, 1), data, spec, two);
      double sequential = seconds(start);
      start = System.nanoTime();
      TrainJob.trainShards(spark, store, withParallelShards(settings, 2), data, spec, two);
      double parallel = seconds(start);
      result.put("sequentialSeconds", round(sequential));
      result.put("parallelSeconds", round(parallel));
      result.put("speedup", round(sequential / parallel));
    }
    result.put("sparkMaster", spark.sparkContext().master());
    return result;
  }

  private static LetheSettings withParallelShards(LetheSettings s, int parallel) {
    return s.withTraining(new LetheSettings.TrainingSettings(s.training().nativeThreads(), parallel,
        s.training().openblasCoretype(), s.training().nativeGarbageLimitBytes()));
  }

  static Map<String, String> environment(SparkSession spark, LetheSettings settings) {
    Map<String, String> env = new LinkedHashMap<>(BuildInfo.libraryVersions());
    env.put("sparkMaster", spark.sparkContext().master());
    env.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    env.put("maxHeapMiB", Long.toString(Runtime.getRuntime().maxMemory() >> 20));
    env.put("nativeThreads", Integer.toString(settings.training().nativeThreads()));
    env.put("backend", NativeRuntime.backendName());
    env.put("measuredAt", Clock.systemUTC().instant().toString());
    return env;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
