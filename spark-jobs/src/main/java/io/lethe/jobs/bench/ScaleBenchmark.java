package io.lethe.jobs.bench;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.CommandLineRequests;
import io.lethe.jobs.forget.ForgetJob;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetReport;
import io.lethe.jobs.forget.Ledger;
import io.lethe.jobs.forget.LedgerIntake;
import io.lethe.jobs.forget.RequestReader;
import io.lethe.jobs.forget.Verifier;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.Aggregation;
import io.lethe.models.Architecture;
import io.lethe.prep.DataSettingsBuilder;
import io.lethe.prep.ExamplesReader;
import io.lethe.prep.PrepareJob;
import io.lethe.store.DataManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.StoreException;
import io.lethe.store.StoreLock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe bench scale}: how the product's own steps grow with the data. For each size it generates a seeded
 * synthetic table ({@link ScaleData}, written as Parquet by the executors) and runs, on a store of its own, what
 * {@code lethe prepare}, {@code train}, {@code forget --record ID} (one record), {@code forget --file} (1,000
 * records) and {@code verify} run, timing each and recording the driver JVM's peak heap per step and the store's
 * size. The records to forget are drawn by index from the seed, so the driver never reads the data to pick them.
 */
public final class ScaleBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(ScaleBenchmark.class);
  /** Records of the second forget batch. */
  public static final int THOUSAND = 1000;
  /** The smallest size: the two batches forget 1,001 distinct records, and about as many remain. */
  public static final long MIN_ROWS = 2000;
  static final String TRAIN = "train";
  static final String TEST = "test";
  /** Rows generated per Spark task. */
  private static final long ROWS_PER_TASK = 200_000;

  private ScaleBenchmark() {}

  /**
   * What to measure.
   *
   * @param rows the sizes, in training rows
   * @param shards shards of every size
   * @param features feature columns (the MLP's input width follows them)
   * @param classes labels
   * @param rowsPerSubject consecutive rows sharing a data subject
   * @param epochs the model's epochs (each slice stage trains ceil(2 * epochs / (slices + 1)))
   * @param hiddenLayers the MLP's hidden layers
   * @param seed the generator's seed; also picks the records to forget
   * @param workDir where each size gets {@code rows-N/} (input, test input, store), replaced if present
   */
  public record Options(List<Long> rows, int shards, int features, int classes, int rowsPerSubject, int epochs,
      List<Integer> hiddenLayers, long seed, Path workDir) {
    public Options {
      rows = List.copyOf(rows);
      hiddenLayers = List.copyOf(hiddenLayers);
      for (long n : rows) {
        if (n < MIN_ROWS) {
          throw new IllegalArgumentException("bench scale needs at least " + MIN_ROWS + " rows per size (it forgets "
              + (THOUSAND + 1) + " records), got " + n + "; pass larger sizes to --rows");
        }
      }
      if (rows.isEmpty() || shards < 1 || features < 1 || classes < 2 || rowsPerSubject < 1 || epochs < 1) {
        throw new IllegalArgumentException("bench scale needs sizes, shards >= 1, features >= 1, classes >= 2, rows"
            + " per subject >= 1 and epochs >= 1; got rows " + rows + ", shards " + shards + ", features "
            + features + ", classes " + classes + ", rows per subject " + rowsPerSubject + ", epochs " + epochs);
      }
    }
  }

  /** Peak heap of the driver JVM during one step, as {@link HeapPeaks} measures it. */
  public record HeapFigure(long peakUsedBytes, long peakAfterCollectionBytes) {}

  /**
   * One size's figures (one entry of the JSON list).
   *
   * @param driverPeakHeapBytes the largest heap in use at once over all steps (garbage not yet collected included)
   * @param driverPeakHeapAfterCollectionBytes the largest heap still reachable right after a collection
   * @param storeBytes the store's size after the last step
   * @param maxDriverRecordIds the configured bound on record ids the driver holds at once
   *     ({@code lethe.forget.max-driver-record-ids})
   */
  public record SizeResult(long rows, int shards, int slices, int features, int classes, int rowsPerSubject,
      int epochs, int epochsPerStage, List<Integer> hiddenLayers, long seed, long testRows, double generateSeconds,
      long inputBytes, double prepareSeconds, double trainSeconds, double testAccuracy, long storeBytesAfterTrain,
      double forgetOneRecordSeconds, int forgetOneRecordShardsTouched, double forgetThousandRecordsSeconds,
      int forgetThousandRecordsShardsTouched, double verifySeconds, long verifiedDeletedRecords, boolean verifyOk,
      long driverPeakHeapBytes, long driverPeakHeapAfterCollectionBytes, long driverMaxHeapBytes,
      Map<String, HeapFigure> driverHeapByStep, long storeBytes, long maxDriverRecordIds,
      Map<String, String> environment) {}

  public static List<SizeResult> run(SparkSession spark, LetheSettings base, Options options) {
    return run(spark, base, options, sizes -> { });
  }

  /**
   * Measures every size in turn; {@code afterEachSize} receives the figures so far after each size, so that a run
   * stopped during a large size keeps those of the smaller ones.
   */
  public static List<SizeResult> run(SparkSession spark, LetheSettings base, Options options,
      Consumer<List<SizeResult>> afterEachSize) {
    List<SizeResult> results = new ArrayList<>();
    try (HeapPeaks heap = new HeapPeaks()) {
      for (long rows : options.rows()) {
        results.add(measure(spark, base, options, rows, heap));
        afterEachSize.accept(List.copyOf(results));
      }
    }
    return results;
  }

  private static SizeResult measure(SparkSession spark, LetheSettings base, Options options, long rows,
      HeapPeaks heap) {
    Path dir = options.workDir().toAbsolutePath().resolve("rows-" + rows);
    FileSystem local = localFs(spark);
    delete(local, dir);
    String input = dir.resolve("input").toUri().toString();
    String testInput = dir.resolve("test-input").toUri().toString();
    long testRows = Math.max(1000, Math.min(rows / 10, 20_000));
    ScaleData data = new ScaleData(options.seed(), options.features(), options.classes(), options.rowsPerSubject());
    LetheSettings settings = settingsFor(base, options, dir.resolve("store").toString(), input, testInput);
    Map<String, HeapFigure> byStep = new LinkedHashMap<>();
    LOG.info("bench scale: {} rows, {} shards x {} slices, {} features", rows, options.shards(),
        settings.data().numSlices(), options.features());

    double generate = step("generate", heap, byStep, () -> {
      data.write(spark, TRAIN, rows, (int) Math.max(2, rows / ROWS_PER_TASK), input);
      data.write(spark, TEST, testRows, 1, testInput);
      return null;
    });
    long inputBytes = bytes(local, dir.resolve("input"));
    LetheStore store = LetheStore.open(LetheStore.toUri(settings.store().root()).toString(),
        spark.sparkContext().hadoopConfiguration(), settings.store().allowNonAtomicRename(), Clock.systemUTC());

    double prepare = step("prepare", heap, byStep, () -> {
      try (StoreLock lock = StoreLock.acquire(store, "lethe bench scale: prepare")) {
        return PrepareJob.run(spark, store, settings.data(), "prepare", new Ledger(spark, store).forgotten());
      }
    });
    double train = step("train", heap, byStep, () -> TrainJob.run(spark, store, settings, false));
    DataManifest prepared = store.readLatestDataManifest();
    double accuracy = EvaluateJob.evaluate(spark, store, settings, prepared, store.readServedGeneration(),
        ExamplesReader.testSplit(spark, store, prepared), false).ensembleAccuracy()
        .get(Aggregation.MEAN_SOFTMAX.configName());
    long storeAfterTrain = bytes(store);

    List<String> forgotten = recordsToForget(options.seed(), rows);
    int[] touched = new int[2];
    double forgetOne = step("forget-1", heap, byStep, () -> {
      // As `lethe forget --record ID`: acknowledged without Spark, then processed as one batch.
      try (StoreLock lock = StoreLock.acquire(store, "lethe bench scale: forget 1 record")) {
        new LedgerIntake(store).acknowledge(CommandLineRequests.validate(forgotten.subList(0, 1), List.of(),
            "bench scale"));
        touched[0] = shardsTouched(store, new ForgetJob(spark, store, settings).processPendingLocked());
      }
      return null;
    });
    double forgetThousand = step("forget-1000", heap, byStep, () -> {
      // As `lethe forget --file`: the requests are read and acknowledged with Spark.
      try (StoreLock lock = StoreLock.acquire(store, "lethe bench scale: forget 1000 records")) {
        new Ledger(spark, store).acknowledge(RequestReader.fromIds(spark, forgotten.subList(1, forgotten.size()),
            List.of(), "bench scale"));
        touched[1] = shardsTouched(store, new ForgetJob(spark, store, settings).processPendingLocked());
      }
      return null;
    });
    Verifier.Result[] verified = new Verifier.Result[1];
    double verify = step("verify", heap, byStep, () -> {
      verified[0] = new Verifier(spark, store, settings).run(false);
      return null;
    });
    if (!verified[0].ok() || verified[0].deletedRecords() != forgotten.size()) {
      throw new StoreException("bench scale: verify after forgetting " + forgotten.size() + " records of " + rows
          + " found " + verified[0].deletedRecords() + " deleted record(s) and " + verified[0].findings()
          + "; the store is at " + store.uri());
    }
    delete(local, dir.resolve("input"));
    delete(local, dir.resolve("test-input"));
    long peakUsed = byStep.values().stream().mapToLong(HeapFigure::peakUsedBytes).max().orElse(0);
    long peakAfterGc = byStep.values().stream().mapToLong(HeapFigure::peakAfterCollectionBytes).max().orElse(0);
    int slices = settings.data().numSlices();
    SizeResult result = new SizeResult(rows, options.shards(), slices, options.features(), options.classes(),
        options.rowsPerSubject(), options.epochs(), (int) Math.ceil(2.0 * options.epochs() / (slices + 1)),
        options.hiddenLayers(), options.seed(), testRows, generate, inputBytes, prepare, train,
        TrainBenchmark.round(accuracy), storeAfterTrain, forgetOne, touched[0], forgetThousand, touched[1], verify,
        verified[0].deletedRecords(), verified[0].ok(), peakUsed, peakAfterGc,
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax(), byStep, bytes(store),
        settings.forget().maxDriverRecordIds(), TrainBenchmark.environment(spark, settings));
    LOG.info("bench scale: {} rows: prepare {} s, train {} s, forget 1 {} s, forget {} {} s, verify {} s, driver"
        + " peak heap {} MiB, store {} MiB", rows, prepare, train, forgetOne, THOUSAND, forgetThousand, verify,
        peakUsed >> 20, result.storeBytes() >> 20);
    return result;
  }

  /**
   * The records the two batches forget: 1 + {@value #THOUSAND} distinct training rows drawn from the seed by index,
   * so nothing is read to choose them.
   */
  static List<String> recordsToForget(long seed, long rows) {
    SplittableRandom random = new SplittableRandom(seed * 31 + rows);
    Set<Long> indices = new LinkedHashSet<>();
    while (indices.size() < THOUSAND + 1) {
      indices.add(random.nextLong(rows));
    }
    return indices.stream().map(i -> ScaleData.recordId(TRAIN, i)).toList();
  }

  /** The settings of one size: the generated Parquet as input, its own store, the scale model. */
  static LetheSettings settingsFor(LetheSettings base, Options options, String storeRoot, String input,
      String testInput) {
    DataManifest.DataSettings data = DataSettingsBuilder.parquet(List.of(input))
        .testInputs(List.of(testInput))
        .idColumn(ScaleData.RECORD_ID)
        .subjectColumn(ScaleData.SUBJECT_ID)
        .labelColumn(ScaleData.LABEL)
        .featureColumns(List.of(ScaleData.FEATURES))
        .numShards(options.shards())
        .numSlices(base.data().numSlices())
        .strategy(base.data().strategy())
        .salt(base.data().salt())
        .seed(base.data().seed())
        .build();
    LetheSettings.ModelSettings m = base.model();
    LetheSettings.ModelSettings model = new LetheSettings.ModelSettings(Architecture.MLP_TABULAR,
        options.hiddenLayers(), m.learningRate(), m.l2(), m.dropout(), m.batchSize(), options.epochs(), m.seed(),
        m.imageHeight(), m.imageWidth(), m.imageChannels());
    return new LetheSettings(new LetheSettings.StoreSettings(storeRoot, base.store().allowNonAtomicRename()), data,
        model, base.training(), base.sequences(), base.forget(), base.predict(), base.spark());
  }

  private static double step(String name, HeapPeaks heap, Map<String, HeapFigure> byStep, Supplier<?> work) {
    heap.reset();
    long start = System.nanoTime();
    work.get();
    double seconds = TrainBenchmark.round((System.nanoTime() - start) / 1e9);
    byStep.put(name, new HeapFigure(heap.peakUsedBytes(), heap.peakAfterCollectionBytes()));
    LOG.info("bench scale: {} took {} s", name, seconds);
    return seconds;
  }

  private static int shardsTouched(LetheStore store, List<ForgetJournal> journals) {
    if (journals.size() != 1) {
      throw new StoreException("bench scale: expected one forget batch, processed " + journals.size()
          + "; run the benchmark on a work directory of its own");
    }
    return ForgetReport.load(store, journals.get(0).batchId()).shardsTouched().size();
  }

  private static FileSystem localFs(SparkSession spark) {
    try {
      return FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new StoreException("Cannot open the local file system: " + e.getMessage(), e);
    }
  }

  private static long bytes(LetheStore store) {
    try {
      return store.fs().getContentSummary(new org.apache.hadoop.fs.Path(store.uri())).getLength();
    } catch (IOException e) {
      throw new StoreException("Cannot measure store " + store.uri() + ": " + e.getMessage(), e);
    }
  }

  private static long bytes(FileSystem fs, Path dir) {
    try {
      return fs.getContentSummary(new org.apache.hadoop.fs.Path(dir.toUri())).getLength();
    } catch (IOException e) {
      throw new StoreException("Cannot measure " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void delete(FileSystem fs, Path dir) {
    try {
      fs.delete(new org.apache.hadoop.fs.Path(dir.toUri()), true);
    } catch (IOException e) {
      throw new StoreException("Cannot delete " + dir + ": " + e.getMessage() + "; remove it or pick another"
          + " --work directory", e);
    }
  }
}
