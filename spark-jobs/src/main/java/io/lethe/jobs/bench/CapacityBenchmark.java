package io.lethe.jobs.bench;

import io.lethe.jobs.bench.CapacitySimulation.Curve;
import io.lethe.jobs.bench.CapacitySimulation.Deletion;
import io.lethe.jobs.bench.CapacitySimulation.ShardModels;
import io.lethe.jobs.checkpoint.CheckpointRepository;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.predict.LabelledRows;
import io.lethe.jobs.train.ShardTrainResult;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.Aggregation;
import io.lethe.models.DeletionPriors;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.models.Scoring;
import io.lethe.models.SequenceSelection;
import io.lethe.models.SliceOrder;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe bench capacity}: how many deletions each way of training a shard's slice orders absorbs without
 * retraining (S3T's "deletion capability"). For each configuration (SISA's one natural order, cyclic B=2 and B=4,
 * bipartite B=4 with a skewed prior) it trains every (shard, order) as one Spark task, scores every stage checkpoint
 * on the test split once, and then replays seeded deletion streams: after each deletion every shard serves its
 * longest clean prefix (or is left out) and the served ensemble's test accuracy is recorded.
 */
public final class CapacityBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(CapacityBenchmark.class);

  /** The t of the bipartite score: deletions per shard the orders are chosen for. */
  static final int EXPECTED_DELETIONS_PER_SHARD = 2;
  /** Deletions after which the accuracy is quoted next to the capability (the yardstick). */
  static final int QUOTED_DELETIONS = 16;
  /** Offset of the stream seeds, so they differ from every other seed in Lethe's settings. */
  private static final long STREAM_SEED_BASE = 0x5EED_0000L;

  private CapacityBenchmark() {}

  /**
   * What to run.
   *
   * @param seeds          deletion streams of each kind, 1 or more (the capability is their mean)
   * @param streamLength   deletions per stream
   * @param configurations names of the configurations to run (see {@link #defaultConfigurations}); empty for all
   */
  public record Options(int seeds, int streamLength, List<String> configurations) {
    public Options {
      if (seeds < 1 || streamLength < 1) {
        throw new IllegalArgumentException("bench capacity needs --seeds >= 1 and --deletions >= 1, got " + seeds
            + " and " + streamLength);
      }
      configurations = List.copyOf(configurations);
    }

    /** Every configuration. */
    public Options(int seeds, int streamLength) {
      this(seeds, streamLength, List.of());
    }
  }

  /**
   * The configurations {@code names} picks from {@link #defaultConfigurations}, in their order; all when empty.
   *
   * @throws IllegalArgumentException naming an unknown configuration and the known ones
   */
  static List<Configuration> chosen(int numSlices, List<String> names) {
    List<Configuration> all = defaultConfigurations(numSlices);
    List<String> known = all.stream().map(Configuration::name).toList();
    for (String name : names) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown bench capacity configuration '" + name + "'; with "
            + numSlices + " slices they are " + String.join(", ", known));
      }
    }
    return names.isEmpty() ? all : all.stream().filter(c -> names.contains(c.name())).toList();
  }

  /**
   * One way of training the shards' orders.
   *
   * @param name      how the report names it
   * @param sequences B, orders per shard
   * @param selection {@code cyclic} or {@code bipartite}
   */
  public record Configuration(String name, int sequences, SequenceSelection.Strategy selection) {}

  /**
   * What one deletion stream kind did to one configuration, over all seeds.
   *
   * @param deletionCapability mean over seeds of the deletions until accuracy is 2 points below its start
   * @param capabilityPerSeed  that number for each seed
   * @param censoredSeeds      seeds whose stream ended before the drop (their capability is a lower bound)
   * @param accuracyAfter16    mean test accuracy after 16 deletions
   * @param curve              mean test accuracy after 0, 1, 2, ... deletions
   * @param shardsServed       mean shards served after 0, 1, 2, ... deletions
   * @param trainingRowsServed mean training rows the served checkpoints saw, after 0, 1, 2, ... deletions
   */
  public record StreamResult(String stream, double deletionCapability, List<Integer> capabilityPerSeed,
      int censoredSeeds, double accuracyAfter16, List<Double> curve, List<Double> shardsServed,
      List<Double> trainingRowsServed) {}

  /**
   * What one aggregation strategy makes of one configuration's deletion streams. The checkpoints served after each
   * deletion do not depend on it; only the ensemble's vote does.
   *
   * @param aggregation     an {@link Aggregation} name, as {@code lethe.predict.aggregation} takes it
   * @param initialAccuracy test accuracy before any deletion
   * @param streams         every stream kind; the capability, accuracy and curve repeat the random-records stream's
   */
  public record AggregationResult(String aggregation, double initialAccuracy, double deletionCapability,
      double accuracyAfter16, List<Double> curve, List<StreamResult> streams) {}

  /**
   * One configuration's figures. {@code initialAccuracy}, {@code deletionCapability}, {@code accuracyAfter16},
   * {@code curve} and {@code streams} are those of the configured aggregation ({@code aggregation}, from
   * {@code lethe.predict.aggregation}); {@code aggregations} has every strategy.
   *
   * @param orders                    the orders of each shard, shard by shard
   * @param trainingSeconds           wall time of training all its (shard, order) tasks
   * @param trainingTaskSeconds       sum of the tasks' wall times
   * @param trainingCpuSeconds        sum of the tasks' thread CPU times (-1 if the JVM cannot measure them): the
   *                                  training work itself, which other load on the machine does not inflate
   * @param trainingProcessCpuSeconds CPU time of the whole JVM while training (Spark, GC and JIT included; -1 if
   *                                  it cannot be measured)
   * @param checkpoints               distinct checkpoints (orders sharing a prefix share them)
   * @param checkpointBytes           their total size
   */
  public record ConfigurationResult(String name, int sequences, String selection, List<List<List<Integer>>> orders,
      double trainingSeconds, double trainingTaskSeconds, double trainingCpuSeconds,
      double trainingProcessCpuSeconds, int checkpoints, long checkpointBytes, String aggregation,
      double initialAccuracy, double deletionCapability, double accuracyAfter16, List<Double> curve,
      List<StreamResult> streams, List<AggregationResult> aggregations) {}

  /**
   * A configuration's training cost relative to SISA's (B=1) measured in the same run.
   *
   * @param wall       ratio of the training wall times (distorted when the machine's load changes during the run)
   * @param taskCpu    ratio of the summed task thread CPU times (the training work, whatever the load)
   * @param processCpu ratio of the JVM's CPU times while training
   */
  public record TrainingCostRatio(String configuration, String relativeTo, double wall, double taskCpu,
      double processCpu) {}

  /** The JSON report; {@code trainingCostRatios} is empty when SISA (B=1) was not among the configurations run. */
  public record Report(String benchmark, Map<String, String> environment, Map<String, Object> data, int seeds,
      int streamLength, double capabilityDrop, List<Double> skewedPrior, List<ConfigurationResult> configurations,
      List<TrainingCostRatio> trainingCostRatios) {}

  /** The configurations the issue asks for: B=1, cyclic B=2 and B=4, bipartite B=4 (B capped at the slices). */
  public static List<Configuration> defaultConfigurations(int numSlices) {
    int four = Math.min(4, numSlices);
    int two = Math.min(2, numSlices);
    return List.of(
        new Configuration("sisa-b1", 1, SequenceSelection.Strategy.CYCLIC),
        new Configuration("cyclic-b" + two, two, SequenceSelection.Strategy.CYCLIC),
        new Configuration("cyclic-b" + four, four, SequenceSelection.Strategy.CYCLIC),
        new Configuration("bipartite-b" + four, four, SequenceSelection.Strategy.BIPARTITE));
  }

  /**
   * The skewed prior of the bipartite configuration and the skewed stream when the data has no prior column: slice
   * index s draws a deletion with probability proportional to 2^s (later slices riskier).
   */
  static double[] skewedPrior(int numSlices) {
    double[] prior = new double[numSlices];
    double total = 0;
    for (int s = 0; s < numSlices; s++) {
      prior[s] = Math.pow(2, s);
      total += prior[s];
    }
    for (int s = 0; s < numSlices; s++) {
      prior[s] /= total;
    }
    return prior;
  }

  public static Report run(SparkSession spark, LetheStore store, LetheSettings settings, Options options) {
    DataManifest data;
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench capacity: prepare")) {
      data = PrepareJob.run(spark, store, settings.data(), "prepare", new Ledger(spark, store).forgotten());
    }
    int numShards = data.settings().numShards();
    int numSlices = data.settings().numSlices();
    ModelSpec spec = settings.model().toSpec(data.numFeatures(), data.numClasses());
    double[] skew = skewedPrior(numSlices);

    LOG.info("bench capacity: collecting the test split and the training rows' shards, slices and subjects");
    LabelledRows test = LabelledRows.collect(PrepareJob.loadTestSplit(spark, store, data.version()),
        data.numFeatures());
    if (test.size() == 0) {
      throw new StoreException("bench capacity needs a test split to measure accuracy on; data version "
          + data.version() + " has none. Set lethe.data.test-inputs.");
    }
    DeletionStreams streams = trainingRows(spark, store, data);
    long[][] sliceRows = new long[numShards][numSlices];
    data.partitions().forEach(p -> sliceRows[p.shard()][p.slice()] = p.rows());

    // Untimed warm-up (JIT, Spark's first jobs), so the first configuration's wall time is not inflated by it:
    // shard 0 in the natural order, whose checkpoints the SISA configuration then finds stored already.
    LOG.info("bench capacity: warm-up, shard 0 in the natural order (untimed)");
    train(spark, store, settings, data, spec, List.of(List.of(SliceOrder.natural(numSlices))));

    Map<String, float[][]> probabilitiesOf = new HashMap<>();
    List<ConfigurationResult> results = new ArrayList<>();
    for (Configuration configuration : chosen(numSlices, options.configurations())) {
      List<List<SliceOrder>> orders = new ArrayList<>();
      for (int shard = 0; shard < numShards; shard++) {
        DeletionPriors priors = data.hasDeletionPriors()
            ? DeletionPriors.fromRowPriors(data.deletionPriorSums(shard))
            : new DeletionPriors(skew);
        orders.add(SequenceSelection.select(configuration.selection(), priors, configuration.sequences(),
            EXPECTED_DELETIONS_PER_SHARD));
      }
      LOG.info("bench capacity: training {} ({} order(s) per shard: {})", configuration.name(),
          configuration.sequences(), orders.get(0));
      Trained trained = train(spark, store, settings, data, spec, orders);
      LOG.info("bench capacity: {} trained in {} s ({} distinct checkpoints, {} bytes); scoring them",
          configuration.name(), round(trained.wallSeconds()), trained.bytesOf().size(),
          trained.bytesOf().values().stream().mapToLong(Long::longValue).sum());
      score(store, trained, test, spec, probabilitiesOf);

      List<ShardModels> shards = new ArrayList<>();
      for (int shard = 0; shard < numShards; shard++) {
        List<List<String>> chains = trained.stageCheckpoints().get(shard);
        float[][][][] stageProbability = new float[chains.size()][][][];
        for (int i = 0; i < chains.size(); i++) {
          stageProbability[i] = chains.get(i).stream().map(probabilitiesOf::get).toArray(float[][][]::new);
        }
        shards.add(new ShardModels(orders.get(shard), stageProbability, sliceRows[shard]));
      }
      Aggregation served = settings.predict().aggregation();
      List<AggregationResult> byAggregation = new ArrayList<>();
      for (Aggregation aggregation : Aggregation.values()) {
        byAggregation.add(replay(aggregation, shards, test, streams, options, skew));
      }
      AggregationResult configured = byAggregation.get(served.ordinal());
      List<List<List<Integer>>> orderLists = orders.stream()
          .map(shardOrders -> shardOrders.stream().map(SliceOrder::slices).toList()).toList();
      results.add(new ConfigurationResult(configuration.name(), configuration.sequences(),
          configuration.selection().configName(), orderLists, round(trained.wallSeconds()),
          round(trained.taskSeconds()), round(trained.taskCpuSeconds()), round(trained.processCpuSeconds()),
          trained.bytesOf().size(), trained.bytesOf().values().stream().mapToLong(Long::longValue).sum(),
          served.configName(), configured.initialAccuracy(), configured.deletionCapability(), configured.accuracyAfter16(),
          configured.curve(), configured.streams(), byAggregation));
      for (AggregationResult r : byAggregation) {
        LOG.info("bench capacity: {} ({}): accuracy {} at start, {} after {} random deletions; capability {}",
            configuration.name(), r.aggregation(), r.initialAccuracy(), r.accuracyAfter16(), QUOTED_DELETIONS,
            r.deletionCapability());
      }
    }

    Map<String, Object> dataInfo = new LinkedHashMap<>();
    dataInfo.put("source", data.settings().source());
    dataInfo.put("version", data.version());
    dataInfo.put("trainRows", data.trainRows());
    dataInfo.put("testRows", data.testRows());
    dataInfo.put("shards", numShards);
    dataInfo.put("slices", numSlices);
    dataInfo.put("architecture", spec.architecture().configName());
    dataInfo.put("epochs", spec.epochs());
    dataInfo.put("epochsPerSlice", spec.epochsPerSlice(numSlices));
    dataInfo.put("deletionPriorColumn", data.settings().deletionPriorColumn());
    return new Report("capacity", TrainBenchmark.environment(spark, settings), dataInfo, options.seeds(),
        options.streamLength(), CapacitySimulation.CAPABILITY_DROP, Arrays.stream(skew).boxed().toList(), results,
        costRatios(results));
  }

  /** Replays every stream kind and seed with one aggregation strategy. */
  private static AggregationResult replay(Aggregation aggregation, List<ShardModels> shards, LabelledRows test,
      DeletionStreams streams, Options options, double[] skew) {
    List<StreamResult> streamResults = new ArrayList<>();
    for (String kind : List.of(DeletionStreams.RANDOM_RECORDS, DeletionStreams.SUBJECTS, DeletionStreams.SKEWED)) {
      List<Curve> curves = new ArrayList<>();
      for (int seed = 0; seed < options.seeds(); seed++) {
        List<Deletion> stream = streams.of(kind, STREAM_SEED_BASE + seed, options.streamLength(), skew);
        curves.add(CapacitySimulation.replay(shards, test.labels(), stream, ServingRule.PRODUCT, aggregation));
      }
      streamResults.add(summarise(kind, curves));
    }
    StreamResult random = streamResults.get(0);
    return new AggregationResult(aggregation.configName(), random.curve().get(0), random.deletionCapability(),
        random.accuracyAfter16(), random.curve(), streamResults);
  }

  /** Each configuration's training cost over SISA's (B=1), when SISA ran; a ratio whose base is not positive is 0. */
  static List<TrainingCostRatio> costRatios(List<ConfigurationResult> results) {
    ConfigurationResult base = results.stream().filter(c -> c.sequences() == 1).findFirst().orElse(null);
    if (base == null) {
      return List.of();
    }
    return results.stream().map(c -> new TrainingCostRatio(c.name(), base.name(),
        ratio(c.trainingSeconds(), base.trainingSeconds()), ratio(c.trainingCpuSeconds(), base.trainingCpuSeconds()),
        ratio(c.trainingProcessCpuSeconds(), base.trainingProcessCpuSeconds()))).toList();
  }

  private static double ratio(double value, double base) {
    return base > 0 && value >= 0 ? Math.round(value / base * 100) / 100.0 : 0;
  }

  /**
   * Every (shard, order)'s stage checkpoints, their sizes, and what training them cost: wall time, the tasks' summed
   * wall and thread CPU times, and the JVM's CPU time (-1 where unmeasurable).
   */
  private record Trained(List<List<List<String>>> stageCheckpoints, Map<String, Long> bytesOf, double wallSeconds,
      double taskSeconds, double taskCpuSeconds, double processCpuSeconds) {}

  /**
   * Trains every (shard, order) from scratch through {@code lethe train}'s own path ({@link TrainJob#trainShards}:
   * one Spark job of one task each, as many at a time as the settings allow), storing the checkpoints but
   * publishing no generation.
   */
  private static Trained train(SparkSession spark, LetheStore store, LetheSettings settings, DataManifest data,
      ModelSpec spec, List<List<SliceOrder>> orders) {
    List<TrainJob.ShardPlan> plans = new ArrayList<>();
    for (int shard = 0; shard < orders.size(); shard++) {
      if (data.shardRows(shard) == 0) {
        throw new StoreException("bench capacity: shard " + shard + " of data version " + data.version()
            + " has no rows; use fewer shards");
      }
      for (int sequence = 0; sequence < orders.get(shard).size(); sequence++) {
        plans.add(TrainJob.ShardPlan.fromScratch(shard, sequence, orders.get(shard).get(sequence)));
      }
    }
    long processCpuStart = processCpuNanos();
    long start = System.nanoTime();
    Map<TrainJob.ShardPlan.Key, ShardTrainResult> results;
    try (StoreLock lock = StoreLock.acquire(store, "lethe bench capacity: train")) {
      results = TrainJob.trainShards(spark, store, settings, data, spec, plans);
    }
    double wallSeconds = (System.nanoTime() - start) / 1e9;
    long processCpuEnd = processCpuNanos();
    List<List<List<String>>> chains = new ArrayList<>();
    orders.forEach(shardOrders -> {
      List<List<String>> perOrder = new ArrayList<>();
      shardOrders.forEach(o -> perOrder.add(null));
      chains.add(perOrder);
    });
    Map<String, Long> bytesOf = new LinkedHashMap<>();
    double taskSeconds = 0;
    double taskCpuSeconds = 0;
    for (ShardTrainResult result : results.values()) {
      List<String> chain = result.provenance().stream().sorted(Comparator.comparingInt(Provenance::stage))
          .map(Provenance::zipSha256).toList();
      chains.get(result.shard()).set(result.sequence(), chain);
      chain.forEach(sha -> bytesOf.computeIfAbsent(sha, s -> zipBytes(store, s)));
      taskSeconds += result.seconds();
      taskCpuSeconds = taskCpuSeconds < 0 || result.cpuSeconds() < 0 ? -1 : taskCpuSeconds + result.cpuSeconds();
    }
    double processCpuSeconds = processCpuStart < 0 || processCpuEnd < 0 ? -1
        : (processCpuEnd - processCpuStart) / 1e9;
    return new Trained(chains, bytesOf, wallSeconds, taskSeconds, taskCpuSeconds, processCpuSeconds);
  }

  private static long zipBytes(LetheStore store, String sha256) {
    try {
      return store.fs().getFileStatus(store.layout().checkpointZip(sha256)).getLen();
    } catch (IOException e) {
      throw new StoreException("bench capacity: cannot read the size of checkpoint " + sha256 + " in store "
          + store.uri() + ": " + e.getMessage(), e);
    }
  }

  /** CPU time of this JVM in nanoseconds, or -1 when the platform does not report it. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : -1;
  }

  /** Scores each checkpoint not scored yet on the test split, once: orders and configurations share them. */
  private static void score(LetheStore store, Trained trained, LabelledRows test, ModelSpec spec,
      Map<String, float[][]> probabilitiesOf) {
    CheckpointRepository checkpoints = new CheckpointRepository(store);
    for (String sha : trained.bytesOf().keySet()) {
      if (!probabilitiesOf.containsKey(sha)) {
        probabilitiesOf.put(sha, Scoring.predictProbabilities(checkpoints.loadModel(sha), test.features(),
            test.size(), spec.numFeatures(), spec.batchSize()));
      }
    }
  }

  private static DeletionStreams trainingRows(SparkSession spark, LetheStore store, DataManifest data) {
    List<Row> rows = PrepareJob.loadExamples(spark, store, data.version())
        .select("shard", "slice", "subject_id").orderBy("shard", "slice", "record_id").collectAsList();
    int[] shard = new int[rows.size()];
    int[] slice = new int[rows.size()];
    String[] subject = new String[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      shard[i] = rows.get(i).getInt(0);
      slice[i] = rows.get(i).getInt(1);
      subject[i] = rows.get(i).getString(2);
    }
    return new DeletionStreams(shard, slice, subject);
  }

  /** Means over seeds of one stream kind's curves. */
  static StreamResult summarise(String kind, List<Curve> curves) {
    int length = curves.stream().mapToInt(c -> c.accuracy().length).max().orElse(0);
    List<Double> accuracy = new ArrayList<>();
    List<Double> shards = new ArrayList<>();
    List<Double> rows = new ArrayList<>();
    for (int k = 0; k < length; k++) {
      double a = 0;
      double s = 0;
      double r = 0;
      for (Curve curve : curves) {
        // A stream shorter than the others (it ran out of records or subjects) holds its last value.
        int at = Math.min(k, curve.accuracy().length - 1);
        a += curve.accuracy()[at];
        s += curve.shardsServed()[at];
        r += curve.rowsServed()[at];
      }
      accuracy.add(round4(a / curves.size()));
      shards.add(round4(s / curves.size()));
      rows.add(round4(r / curves.size()));
    }
    List<Integer> capabilities = curves.stream().map(Curve::capability).toList();
    int censored = (int) curves.stream().filter(Curve::censored).count();
    double capability = capabilities.stream().mapToInt(Integer::intValue).average().orElse(0);
    double after16 = accuracy.get(Math.min(QUOTED_DELETIONS, accuracy.size() - 1));
    return new StreamResult(kind, round4(capability), capabilities, censored, after16, accuracy, shards, rows);
  }

  private static double round(double value) {
    return TrainBenchmark.round(value);
  }

  private static double round4(double value) {
    return Math.round(value * 10000) / 10000.0;
  }
}
