package io.lethe.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lethe.jobs.bench.CapacityBenchmark;
import io.lethe.jobs.cli.LetheCli;
import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetHistory;
import io.lethe.jobs.forget.ForgetJournal;
import io.lethe.jobs.forget.ForgetState;
import io.lethe.jobs.forget.StepResult;
import io.lethe.jobs.testing.Fixtures;
import io.lethe.jobs.train.TrainJob;
import io.lethe.prep.PrepareJob;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportJobTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

  @TempDir static Path dir;
  static SparkSession spark;
  static LetheSettings settings;
  static ReportJob.Outcome plain;
  static ReportJob.Outcome forgotten;

  /** A clock the test moves by hand, so journal entries get known times. */
  static final class ManualClock extends Clock {
    Instant now = T0;

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @BeforeAll
  static void reports() throws IOException {
    spark = Fixtures.spark();
    Path train = Fixtures.blobsCsv(dir, "train", 240, 17);
    Path test = Fixtures.blobsCsv(dir, "test", 60, 18);
    settings = Fixtures.blobSettings(dir.resolve("store"), train, test, "lethe.model.epochs=4");
    LetheStore store = Fixtures.open(spark, settings);
    PrepareJob.run(spark, store, settings.data(), "prepare");
    TrainJob.run(spark, store, settings, false);
    plain = ReportJob.run(spark, store, settings, dir.resolve("plain-report"));

    copy(dir.resolve("store"), dir.resolve("forgotten"));
    LetheSettings forgottenSettings = Fixtures.blobSettings(dir.resolve("forgotten"), train, test,
        "lethe.model.epochs=4");
    ManualClock clock = new ManualClock();
    LetheStore journals = openAt(dir.resolve("forgotten"), clock);
    ForgetJournal done = new ForgetJournal(journals, "b-20250301T100000-done");
    double[] at = {0, 1.5, 2, 10, 11, 40, 41, 42};
    for (ForgetState state : ForgetState.values()) {
      clock.now = T0.plusMillis((long) (at[state.ordinal()] * 1000));
      done.append(switch (state) {
        case ACKNOWLEDGED -> new StepResult.Acknowledged(List.of(), 2, T0.toString());
        case ROUTED -> new StepResult.Routed(1, 1, Map.of(0, Map.of(1, 1L), 2, Map.of(0, 1L)), null, 2, 0, 0, 50.0, null);
        case SERVING_CLEAN -> new StepResult.ServingClean(2, 1, 2.0, List.of());
        case DATA_REWRITTEN -> new StepResult.DataRewritten(2, List.of(), List.of(), List.of(), 0.0);
        case PURGED -> new StepResult.Purged(List.of(), List.of(), 0);
        case RETRAINED -> new StepResult.Retrained(Map.of(0, 6.0, 2, 4.0), 50.0, Map.of(), null, false);
        case PUBLISHED -> new StepResult.Published(2);
        case COMPLETED -> new StepResult.Completed("report.json", 0.9, false);
      });
    }
    ForgetJournal running = new ForgetJournal(journals, "b-20250301T110000-running");
    clock.now = T0.plus(Duration.ofHours(1));
    running.append(new StepResult.Acknowledged(List.of(), 1, clock.now.toString()));
    clock.now = clock.now.plusSeconds(3);
    running.append(new StepResult.Routed(1, 1, Map.of(), null, 0, 0, 0, 0.0, null));
    publishRetrainOfShard0(journals);
    forgotten = ReportJob.run(spark, Fixtures.open(spark, forgottenSettings), forgottenSettings,
        dir.resolve("forgotten-report"));
  }

  /**
   * Publishes generation 2 as a forget batch would after retraining shard 0 from its slice 0 checkpoint: its metrics
   * hold only slice 1 of shard 0, so the training curves must still come from generation 1.
   */
  private static void publishRetrainOfShard0(LetheStore store) {
    StructType schema = new StructType().add("generation", DataTypes.LongType).add("shard", DataTypes.IntegerType)
        .add("slice", DataTypes.IntegerType).add("epochs", DataTypes.IntegerType)
        .add("examples", DataTypes.LongType).add("loss", DataTypes.DoubleType)
        .add("train_accuracy", DataTypes.DoubleType).add("seconds", DataTypes.DoubleType);
    spark.createDataFrame(List.of(RowFactory.create(2L, 0, 1, 2, 70L, 0.2, 0.9, 1.0)), schema).write()
        .parquet(TrainJob.metricsPath(store, 2).toString());
    GenerationManifest g1 = store.readGeneration(1);
    store.commitGeneration(GenerationManifest.buildFrom(g1).createdAt("2025-03-01T10:00:40Z")
        .reason("forget batch b-20250301T100000-done").build());
  }

  private static LetheStore openAt(Path root, Clock clock) {
    return LetheStore.open(LetheStore.toUri(root.toString()).toString(), spark.sparkContext().hadoopConfiguration(),
        false, clock);
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }

  private static String page(ReportJob.Outcome outcome) throws IOException {
    return Files.readString(outcome.page());
  }

  private static BufferedImage decode(byte[] png) {
    try {
      return ImageIO.read(new ByteArrayInputStream(png));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> fileNames(List<Path> files) {
    return files.stream().map(p -> p.getFileName().toString()).toList();
  }

  @Test
  void aStoreWithoutForgetBatchesGetsAccuracyAndTrainingCurvesAndSaysSo() throws IOException {
    assertThat(plain.generation()).isEqualTo(1);
    assertThat(plain.curvesGeneration()).isEqualTo(1L);
    assertThat(plain.batches()).isZero();
    assertThat(fileNames(plain.charts())).containsExactly("accuracy.png", "training-loss.png",
        "training-accuracy.png");
    assertThat(plain.page().getParent()).isEqualTo(dir.resolve("plain-report"));
    String html = page(plain);
    assertThat(html).contains("<body data-charts-expected=\"3\">")
        .contains("<p class=\"none\" id=\"no-forget-batch\">No forget batch yet: nothing has been forgotten in this"
            + " store, so there is no timeline and no speed-up to show.</p>")
        .contains("Serving generation 1 (train, ")
        .doesNotContain("forget-timeline.png", "forget-speedup.png", "id=\"batches\"");
    assertThat(Files.exists(dir.resolve("plain-report/forget-timeline.png"))).isFalse();
  }

  @Test
  void everyChartIsAPngOfTheStatedSizeAndEmbeddedInThePage() throws IOException {
    for (ReportJob.Outcome outcome : List.of(plain, forgotten)) {
      String html = page(outcome);
      for (Path chart : outcome.charts()) {
        byte[] png = Files.readAllBytes(chart);
        BufferedImage image = decode(png);
        assertThat(image.getWidth()).as(chart.toString()).isEqualTo(ReportCharts.WIDTH);
        assertThat(image.getHeight()).as(chart.toString()).isEqualTo(ReportCharts.HEIGHT);
        assertThat(html).contains("<img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png)
            + "\" width=\"900\" height=\"480\"");
      }
      // self-contained: every image is a data: URI
      Matcher sources = Pattern.compile("<img src=\"([^\"]{0,30})").matcher(html);
      int images = 0;
      while (sources.find()) {
        assertThat(sources.group(1)).startsWith("data:image/png;base64,");
        images++;
      }
      assertThat(images).isEqualTo(outcome.charts().size());
    }
  }

  @Test
  void theAccuracyTableListsTheEnsembleAndEveryShard() throws IOException {
    String html = page(plain);
    String table = html.substring(html.indexOf("<table id=\"accuracy\">"), html.indexOf("</table>"));
    assertThat(table).contains("<tr><td>ensemble, mean-softmax</td>", "<tr><td>ensemble, majority-vote</td>",
        "<tr><td>ensemble, weighted</td>", "<tr><td>shard 0</td><td>1</td>", "<tr><td>shard 1</td><td>1</td>",
        "<tr><td>shard 2</td><td>1</td>");
  }

  @Test
  void forgetBatchesGetATimelineASpeedUpAndATable() throws IOException {
    assertThat(forgotten.batches()).isEqualTo(2);
    assertThat(forgotten.generation()).isEqualTo(2);
    assertThat(forgotten.curvesGeneration()).as("the newest generation in which every shard trained from scratch")
        .isEqualTo(1L);
    assertThat(fileNames(forgotten.charts())).containsExactly("accuracy.png", "training-loss.png",
        "training-accuracy.png", "forget-timeline.png", "forget-speedup.png");
    String html = page(forgotten);
    assertThat(html).contains("<body data-charts-expected=\"5\">", "<p>2 forget batch(es).</p>")
        .doesNotContain("no-forget-batch", "no-speed-up")
        .contains("Serving generation 2 (forget batch b-20250301T100000-done, 2025-03-01T10:00:40Z), data version 1,"
            + " 3 of 3 shards served.")
        .contains("Generation 1, the newest full training")
        .contains("<tr><td>b-20250301T100000-done</td><td>2</td><td>COMPLETED</td><td>2.0 s</td><td>42.0 s</td>"
            + "<td>10.0 s</td><td>50.0 s</td><td>5.0x</td></tr>")
        .contains("<tr><td>b-20250301T110000-running</td><td>1</td><td>ROUTED</td><td></td><td></td><td></td>"
            + "<td></td><td></td></tr>");
  }

  @Test
  void batchFiguresCountFromAcknowledgedAndNeedARetrainingForASpeedUp() {
    List<BatchFigures> batches = ForgetHistory.load(openAt(dir.resolve("forgotten"), Clock.systemUTC())).stream().map(BatchFigures::of).toList();
    BatchFigures done = batches.get(0);
    assertThat(done.secondsSinceAcknowledged()).containsExactly(Map.entry(ForgetState.ACKNOWLEDGED, 0.0),
        Map.entry(ForgetState.ROUTED, 1.5), Map.entry(ForgetState.SERVING_CLEAN, 2.0),
        Map.entry(ForgetState.DATA_REWRITTEN, 10.0), Map.entry(ForgetState.PURGED, 11.0),
        Map.entry(ForgetState.RETRAINED, 40.0), Map.entry(ForgetState.PUBLISHED, 41.0),
        Map.entry(ForgetState.COMPLETED, 42.0));
    assertThat(done.retrainSeconds()).isEqualTo(10.0);
    assertThat(done.speedUp()).isEqualTo(5.0);
    BatchFigures running = batches.get(1);
    assertThat(running.hasSpeedUp()).isFalse();
    assertThatThrownBy(running::speedUp)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Forget batch b-20250301T110000-running has no speed-up: retrain seconds 0.0, full retrain"
            + " estimate NaN");
  }

  @Test
  void aPageWithForgetBatchesButNoRetrainingSaysThereIsNoSpeedUpYet() {
    ReportData minimal = minimalData();
    ReportData data = new ReportData(minimal.store(), minimal.createdAt(), minimal.served(), minimal.evaluation(),
        null, List.of(), List.of(new BatchFigures("b-1", 1, ForgetState.ROUTED,
            Map.of(ForgetState.ACKNOWLEDGED, 0.0, ForgetState.ROUTED, 3.0), 0, Double.NaN)), null);
    ChartSet charts = ReportJob.draw(data);
    assertThat(charts.all()).extracting(ChartImage::file).containsExactly("accuracy.png", "forget-timeline.png");
    assertThat(HtmlPage.render(data, charts))
        .contains("<p class=\"none\" id=\"no-speed-up\">No speed-up yet: no batch has retrained with a known cost"
            + " of full retraining.</p>")
        .contains("<p class=\"none\" id=\"no-training-metrics\">No training metrics: no generation up to 1 has"
            + " per-slice metrics for all its shards (they are written by <code>lethe train</code>).</p>");
  }

  /** The served generation of the trained store, a made-up evaluation, no curves and no batches. */
  private static ReportData minimalData() {
    LetheStore store = Fixtures.open(spark, settings);
    return new ReportData(store.uri().toString(), "2025-03-01T12:00:00Z", store.readServedGeneration(),
        new io.lethe.jobs.predict.Evaluation(1, 1, 60, Map.of("mean-softmax", 0.9), List.of(), null), null,
        List.of(), List.of(), null);
  }

  @Test
  void aBenchCapacityResultIsDrawnAsOneCurvePerConfigurationWithATable() throws IOException {
    CapacityBenchmark.Report capacity = capacityResult();
    Path json = Files.writeString(dir.resolve("bench-capacity.json"), io.lethe.store.Json.write(capacity));
    ReportData minimal = minimalData();
    ReportData data = new ReportData(minimal.store(), minimal.createdAt(), minimal.served(), minimal.evaluation(),
        null, List.of(), List.of(), ReportJob.readCapacity(json));

    ChartSet charts = ReportJob.draw(data);
    String page = HtmlPage.render(data, charts);

    assertThat(charts.all()).extracting(ChartImage::file).containsExactly("accuracy.png", "capacity.png");
    assertThat(charts.capacity().png()).startsWith(0x89, 'P', 'N', 'G');
    assertThat(page).contains("<h2>Deletion capacity</h2>", "<table id=\"capacity\">",
        "<tr><td>sisa-b1</td><td>1</td><td>cyclic</td><td>2.0</td><td>0.9000</td><td>0.5000</td><td>3.0 s</td>"
            + "<td>4.0 s</td><td>1.2 MB</td><td>mean-softmax 2.0, 0.5000; weighted 2.5, 0.6000</td></tr>",
        "<tr><td>cyclic-b2</td><td>2</td><td>cyclic</td><td>3.5</td>");
  }

  @Test
  void aFileThatIsNoCapacityResultIsNamed() throws IOException {
    Path other = Files.writeString(dir.resolve("bench-train.json"), "{\"benchmark\":\"train\"}");

    assertThatThrownBy(() -> ReportJob.readCapacity(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(other + " is not a bench capacity result (benchmark 'train'); pass the file that lethe bench"
            + " capacity --output wrote");
    assertThatThrownBy(() -> ReportJob.readCapacity(dir.resolve("missing.json")))
        .hasMessageStartingWith("Cannot read the bench capacity result " + dir.resolve("missing.json"));
  }

  private static CapacityBenchmark.Report capacityResult() {
    List<CapacityBenchmark.ConfigurationResult> configurations = List.of(
        new CapacityBenchmark.ConfigurationResult("sisa-b1", 1, "cyclic", List.of(List.of(List.of(0, 1))), 3.0, 5.0,
            4.0, 6.0, 2, 1_200_000, "mean-softmax", 0.9, 2.0, 0.5, List.of(0.9, 0.9, 0.5), List.of(),
            List.of(new CapacityBenchmark.AggregationResult("mean-softmax", 0.9, 2.0, 0.5, List.of(0.9, 0.9, 0.5),
                List.of()), new CapacityBenchmark.AggregationResult("weighted", 0.9, 2.5, 0.6,
                List.of(0.9, 0.9, 0.6), List.of()))),
        new CapacityBenchmark.ConfigurationResult("cyclic-b2", 2, "cyclic",
            List.of(List.of(List.of(0, 1), List.of(1, 0))), 6.0, 10.0, 8.0, 12.0, 4, 2_400_000, "mean-softmax", 0.9,
            3.5, 0.9, List.of(0.9, 0.9, 0.9), List.of(), List.of()));
    return new CapacityBenchmark.Report("capacity", Map.of(), Map.of("trainRows", 80, "shards", 1, "slices", 2), 5,
        2, 0.02, List.of(1 / 3.0, 2 / 3.0), configurations, List.of());
  }

  @Test
  void anUnwritableOutputIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
    ReportData data = minimalData();
    ChartSet charts = ReportJob.draw(data);
    assertThatThrownBy(() -> ReportJob.write(data, charts, file))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot write the report into " + file + ": ")
        .hasMessageEndingWith("; choose a writable folder with --output");
  }

  @Test
  void theReportCommandWritesThePageAndSaysWhere() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path output = dir.resolve("cli-report");
    int code = LetheCli.execute(new String[] {"report", "--store", dir.resolve("forgotten").toString(), "--output",
        output.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).isEqualTo("Wrote " + output.resolve("report.html") + ": generation 2, 5 chart(s),"
        + " 2 forget batch(es)" + System.lineSeparator());
    assertThat(output.resolve("forget-speedup.png")).isRegularFile();
  }

  @Test
  void theReportCommandNeedsAnOutputFolder() {
    StringWriter err = new StringWriter();
    int code = LetheCli.execute(new String[] {"report"}, new PrintWriter(new StringWriter(), true),
        new PrintWriter(err, true));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("Missing required option: '--output=DIR'");
  }

  /** Runs headless Chromium on the page; returns its standard output. */
  private static String chromium(Path profile, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "chromium", ".out");
    Path err = Files.createTempFile(dir, "chromium", ".err");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s: " + command + "\n" + Files.readString(err));
    }
    assertThat(process.exitValue()).as("chromium exit code; stderr:%n%s", Files.readString(err)).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  @Test
  void aBrowserDecodesEveryChartOfThePage() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is missing (" + CHROMIUM + "); .ci/run installs"
        + " the Debian package chromium, or run apt-get install chromium");
    String url = forgotten.page().toUri().toString();

    String dom = chromium(dir.resolve("chromium-dom"), "--dump-dom", url);
    Matcher loaded = Pattern.compile("data-charts-loaded=\"(\\d+)\"").matcher(dom);
    assertThat(loaded.find()).as("the page's onload script ran; DOM:%n%s", dom.substring(0,
        Math.min(400, dom.length()))).isTrue();
    assertThat(Integer.parseInt(loaded.group(1))).isEqualTo(forgotten.charts().size()).isEqualTo(5);

    Path shot = dir.resolve("screenshot.png");
    chromium(dir.resolve("chromium-shot"), "--screenshot=" + shot, "--window-size=1000,1600",
        "--hide-scrollbars", url);
    BufferedImage image = decode(Files.readAllBytes(shot));
    assertThat(image.getWidth()).isEqualTo(1000);
    assertThat(image.getHeight()).isEqualTo(1600);
    Set<Integer> colours = new HashSet<>();
    long nonWhite = 0;
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        if (rgb != 0xffffff) {
          nonWhite++;
        }
      }
    }
    // text, axes and bars: a blank or error page has a handful of colours and is nearly all white
    assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(50);
    assertThat(nonWhite).as("non-white pixels sampled").isGreaterThan(image.getWidth() * image.getHeight() / 4 / 20);
  }
}
