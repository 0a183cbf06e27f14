package io.lethe.jobs.report;

import static org.apache.spark.sql.functions.col;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetHistory;
import io.lethe.jobs.predict.EvaluateJob;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.jobs.train.TrainJob;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.jobs.bench.CapacityBenchmark;
import io.lethe.jobs.bench.ScaleBenchmark;
import io.lethe.store.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lethe report}: gathers what the store serves and has forgotten, draws it and writes the page and its
 * charts into a local folder. Reads only; takes no lock.
 */
public final class ReportJob {
  /** The page's file name in the output folder. */
  public static final String PAGE = "report.html";

  private static final Logger LOG = LoggerFactory.getLogger(ReportJob.class);
  /** A generation's metrics folder, as {@link TrainJob#metricsPath} names it. */
  private static final Pattern METRICS_DIR = Pattern.compile("gen-(\\d{1,18})");

  private ReportJob() {}

  /**
   * What a report run wrote.
   *
   * @param charts the PNG files, in page order
   */
  public record Outcome(Path page, List<Path> charts, long generation, Long curvesGeneration, int batches) {}

  /** Evaluates the served generation, reads its training metrics and the forget journals, and writes the report. */
  public static Outcome run(SparkSession spark, LetheStore store, LetheSettings settings, Path output) {
    return run(spark, store, settings, output, null);
  }

  /**
   * As {@link #run(SparkSession, LetheStore, LetheSettings, Path)}, also drawing the curves of a
   * {@code bench capacity} JSON result when {@code capacityJson} is not null.
   */
  public static Outcome run(SparkSession spark, LetheStore store, LetheSettings settings, Path output,
      Path capacityJson) {
    return run(spark, store, settings, output, capacityJson, null);
  }

  /**
   * As {@link #run(SparkSession, LetheStore, LetheSettings, Path, Path)}, also drawing how the steps of a
   * {@code bench scale} JSON result grow with the rows when {@code scaleJson} is not null.
   */
  public static Outcome run(SparkSession spark, LetheStore store, LetheSettings settings, Path output,
      Path capacityJson, Path scaleJson) {
    List<ScaleBenchmark.SizeResult> scale = readScale(scaleJson);
    ReportData base = gather(spark, store, settings, readCapacity(capacityJson));
    ReportData data = new ReportData(base.store(), base.createdAt(), base.served(), base.evaluation(),
        base.curvesGeneration(), base.curves(), base.batches(), base.capacity(), scale);
    ChartSet charts = draw(data);
    return write(data, charts, output);
  }

  /**
   * Reads a {@code bench scale} result: a JSON list with one entry per size.
   *
   * @throws IllegalArgumentException naming the file when it is missing or not such a result
   */
  static List<ScaleBenchmark.SizeResult> readScale(Path scaleJson) {
    if (scaleJson == null) {
      return List.of();
    }
    String what = "; pass the file that lethe bench scale --output wrote";
    String json;
    try {
      json = Files.readString(scaleJson, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read the bench scale result " + scaleJson + ": " + e.getMessage()
          + what, e);
    }
    if (!json.stripLeading().startsWith("[")) {
      throw new IllegalArgumentException(scaleJson + " is not a bench scale result (not a JSON list of sizes)" + what);
    }
    List<ScaleBenchmark.SizeResult> sizes = List.of(Json.read(json, ScaleBenchmark.SizeResult[].class,
        "bench scale result"));
    if (sizes.isEmpty() || sizes.stream().anyMatch(s -> s.rows() <= 0 || s.driverHeapByStep() == null)) {
      throw new IllegalArgumentException(scaleJson + " is not a bench scale result (an entry without rows or"
          + " heap figures)" + what);
    }
    return sizes;
  }

  /**
   * Reads a {@code bench capacity} result.
   *
   * @throws IllegalArgumentException naming the file when it is missing or not such a result
   */
  static CapacityBenchmark.Report readCapacity(Path capacityJson) {
    if (capacityJson == null) {
      return null;
    }
    String json;
    try {
      json = Files.readString(capacityJson, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read the bench capacity result " + capacityJson + ": "
          + e.getMessage() + "; pass the file that lethe bench capacity --output wrote", e);
    }
    CapacityBenchmark.Report report = Json.read(json, CapacityBenchmark.Report.class, "bench capacity result");
    if (!"capacity".equals(report.benchmark()) || report.configurations() == null) {
      throw new IllegalArgumentException(capacityJson + " is not a bench capacity result (benchmark '"
          + report.benchmark() + "'); pass the file that lethe bench capacity --output wrote");
    }
    return report;
  }

  static ReportData gather(SparkSession spark, LetheStore store, LetheSettings settings) {
    return gather(spark, store, settings, null);
  }

  static ReportData gather(SparkSession spark, LetheStore store, LetheSettings settings,
      CapacityBenchmark.Report capacity) {
    Evaluation evaluation = EvaluateJob.run(spark, store, settings, false);
    GenerationManifest served = store.readGeneration(evaluation.generation());
    Long curvesGeneration = newestFullTraining(spark, store, served);
    List<TrainingPoint> curves = curvesGeneration == null ? List.of()
        : trainingPoints(spark, store, curvesGeneration);
    List<BatchFigures> batches = ForgetHistory.load(store).stream().map(BatchFigures::of).toList();
    return new ReportData(store.uri().toString(), store.clock().instant().toString(), served, evaluation,
        curvesGeneration, curves, batches, capacity);
  }

  /**
   * The newest generation up to {@code served} whose metrics hold slice 0 of every shard it serves, i.e. one in
   * which all its shards were trained from scratch; null if there is none.
   */
  static Long newestFullTraining(SparkSession spark, LetheStore store, GenerationManifest served) {
    List<String> metrics = new ArrayList<>();
    for (FileStatus status : store.list(store.layout().metricsDir())) {
      Matcher name = METRICS_DIR.matcher(status.getPath().getName());
      if (name.matches() && Long.parseLong(name.group(1)) <= served.number()) {
        metrics.add(status.getPath().toString());
      }
    }
    if (metrics.isEmpty()) {
      return null;
    }
    spark.sparkContext().setJobDescription("lethe report: find the newest full training");
    List<Row> firstSlices = spark.read().parquet(metrics.toArray(String[]::new))
        .filter(col("slice").equalTo(0))
        .select("generation", "shard").distinct().collectAsList();
    Map<Long, Set<Integer>> shardsFromScratch = new TreeMap<>(Comparator.reverseOrder());
    firstSlices.forEach(r -> shardsFromScratch.computeIfAbsent(r.getLong(0), g -> new HashSet<>()).add(r.getInt(1)));
    for (Map.Entry<Long, Set<Integer>> candidate : shardsFromScratch.entrySet()) {
      GenerationManifest generation = store.readGeneration(candidate.getKey());
      if (generation.servedShards().stream().allMatch(s -> candidate.getValue().contains(s.shard()))) {
        return candidate.getKey();
      }
    }
    return null;
  }

  static List<TrainingPoint> trainingPoints(SparkSession spark, LetheStore store, long generation) {
    spark.sparkContext().setJobDescription("lethe report: training metrics of generation " + generation);
    Dataset<Row> metrics = spark.read().parquet(TrainJob.metricsPath(store, generation).toString());
    if (java.util.Arrays.asList(metrics.columns()).contains("sequence")) {
      // With several slice orders per shard, the curves are those of each shard's first order.
      metrics = metrics.filter(col("sequence").equalTo(0));
    }
    return metrics
        .select("shard", "slice", "loss", "train_accuracy")
        .orderBy("shard", "slice")
        .collectAsList().stream()
        .map(r -> new TrainingPoint(r.getInt(0), r.getInt(1), r.getDouble(2), r.getDouble(3)))
        .toList();
  }

  static ChartSet draw(ReportData data) {
    boolean curves = data.curvesGeneration() != null;
    List<BatchFigures> shown = data.shownBatches();
    return new ChartSet(
        ReportCharts.accuracy(data.evaluation()),
        curves ? ReportCharts.trainingLoss(data.curvesGeneration(), data.curves()) : null,
        curves ? ReportCharts.trainingAccuracy(data.curvesGeneration(), data.curves()) : null,
        shown.isEmpty() ? null : ReportCharts.forgetTimeline(shown),
        shown.stream().anyMatch(BatchFigures::hasSpeedUp) ? ReportCharts.speedUp(shown) : null,
        data.capacity() == null ? null : ReportCharts.capacity(data.capacity()),
        data.scale().isEmpty() ? null : ReportCharts.scaleSeconds(data.scale()),
        data.scale().isEmpty() ? null : ReportCharts.scaleBytes(data.scale()));
  }

  static Outcome write(ReportData data, ChartSet charts, Path output) {
    try {
      Files.createDirectories(output);
      List<Path> files = new ArrayList<>();
      for (ChartImage chart : charts.all()) {
        files.add(Files.write(output.resolve(chart.file()), chart.png()));
      }
      Path page = Files.writeString(output.resolve(PAGE), HtmlPage.render(data, charts), StandardCharsets.UTF_8);
      LOG.info("Wrote the report of generation {} ({} charts, {} forget batches) to {}", data.served().number(),
          files.size(), data.batches().size(), page);
      return new Outcome(page, files, data.served().number(), data.curvesGeneration(), data.batches().size());
    } catch (IOException e) {
      throw new IllegalStateException("Cannot write the report into " + output + ": " + e.getMessage()
          + "; choose a writable folder with --output", e);
    }
  }
}
