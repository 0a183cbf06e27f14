package io.lethe.jobs.report;

import io.lethe.jobs.bench.CapacityBenchmark;
import io.lethe.jobs.bench.ScaleBenchmark;
import io.lethe.jobs.forget.ForgetState;
import io.lethe.jobs.predict.Evaluation;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws the report's charts as PNG images with JFreeChart, without a display. */
public final class ReportCharts {
  /** Width of every chart, in pixels. */
  public static final int WIDTH = 900;
  /** Height of every chart, in pixels. */
  public static final int HEIGHT = 480;

  static {
    // Charts are drawn into images; a server or CI machine has no display, and none is needed.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static final Color ENSEMBLE = new Color(0x1f, 0x77, 0xb4);
  private static final Color SHARD = new Color(0x9e, 0xc9, 0xe2);

  private ReportCharts() {}

  /** Test accuracy of the ensemble under each aggregation strategy and of each served shard model. */
  public static ChartImage accuracy(Evaluation evaluation) {
    DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    evaluation.ensembleAccuracy().forEach((strategy, accuracy) -> dataset.addValue(accuracy, "accuracy",
        "ensemble " + strategy));
    evaluation.shards().forEach(s -> dataset.addValue(s.accuracy(), "accuracy", "shard " + s.shard()));
    JFreeChart chart = ChartFactory.createBarChart(null, null, "test accuracy", dataset, PlotOrientation.VERTICAL,
        false, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    int ensembleBars = evaluation.ensembleAccuracy().size();
    BarRenderer renderer = new BarRenderer() {
      private static final long serialVersionUID = 1L;

      @Override
      public Paint getItemPaint(int row, int column) {
        return column < ensembleBars ? ENSEMBLE : SHARD;
      }
    };
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    plot.setRenderer(renderer);
    plot.getRangeAxis().setRange(0, 1);
    plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    return encode("accuracy.png", "Test accuracy", "Generation " + evaluation.generation() + " on "
        + evaluation.testRows() + " test rows: the ensemble under each aggregation strategy (dark) and each served"
        + " shard model alone (light).", style(chart));
  }

  /** Training loss of each shard after each slice. */
  public static ChartImage trainingLoss(long generation, List<TrainingPoint> curves) {
    return curve("training-loss.png", "Training loss per slice", "loss", generation, curves, TrainingPoint::loss);
  }

  /** Training accuracy of each shard after each slice. */
  public static ChartImage trainingAccuracy(long generation, List<TrainingPoint> curves) {
    return curve("training-accuracy.png", "Training accuracy per slice", "train accuracy", generation, curves,
        TrainingPoint::trainAccuracy);
  }

  private static ChartImage curve(String file, String title, String valueLabel, long generation,
      List<TrainingPoint> curves, ToDoubleFunction<TrainingPoint> value) {
    Map<Integer, XYSeries> byShard = new TreeMap<>();
    for (TrainingPoint p : curves) {
      byShard.computeIfAbsent(p.shard(), shard -> new XYSeries("shard " + shard)).add(p.slice(),
          value.applyAsDouble(p));
    }
    XYSeriesCollection dataset = new XYSeriesCollection();
    byShard.values().forEach(dataset::addSeries);
    JFreeChart chart = ChartFactory.createXYLineChart(null, "slices trained (0..slice)", valueLabel, dataset,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    plot.setRenderer(lines());
    return encode(file, title, "Generation " + generation + ", the newest full training: each shard after"
        + " training on its slices 0..slice (one line per shard).", style(chart));
  }

  /**
   * {@code bench capacity}'s curves: test accuracy of each configuration's served ensemble after each deletion of
   * the random-records stream (mean over seeds), without retraining.
   */
  public static ChartImage capacity(CapacityBenchmark.Report report) {
    XYSeriesCollection dataset = new XYSeriesCollection();
    for (CapacityBenchmark.ConfigurationResult configuration : report.configurations()) {
      XYSeries series = new XYSeries(configuration.name() + " (capability "
          + String.format(java.util.Locale.ROOT, "%.1f", configuration.deletionCapability()) + ")");
      List<Double> curve = configuration.curve();
      for (int k = 0; k < curve.size(); k++) {
        series.add(k, curve.get(k));
      }
      dataset.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(null, "random records deleted, no retraining",
        "test accuracy of the served ensemble", dataset, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    renderer.setDefaultStroke(new BasicStroke(2f));
    renderer.setAutoPopulateSeriesStroke(false);
    plot.setRenderer(renderer);
    return encode("capacity.png", "Deletion capacity", "bench capacity on " + report.data().get("trainRows")
        + " training rows, " + report.data().get("shards") + " shards x " + report.data().get("slices")
        + " slices: after each deletion every shard serves its longest prefix free of deleted slices (mean of "
        + report.seeds() + " seeded streams; one line per configuration).", style(chart));
  }

  /** {@code bench scale}: seconds of each step against the training rows, both on log scales. */
  public static ChartImage scaleSeconds(List<ScaleBenchmark.SizeResult> sizes) {
    Map<String, ToDoubleFunction<ScaleBenchmark.SizeResult>> steps = new java.util.LinkedHashMap<>();
    steps.put("prepare", ScaleBenchmark.SizeResult::prepareSeconds);
    steps.put("train", ScaleBenchmark.SizeResult::trainSeconds);
    steps.put("forget 1 record", ScaleBenchmark.SizeResult::forgetOneRecordSeconds);
    steps.put("forget " + ScaleBenchmark.THOUSAND + " records", ScaleBenchmark.SizeResult::forgetThousandRecordsSeconds);
    steps.put("verify", ScaleBenchmark.SizeResult::verifySeconds);
    ScaleBenchmark.SizeResult first = sizes.get(0);
    return encode("scale-seconds.png", "Seconds against rows", "bench scale: seconds of each step against the"
        + " training rows (log-log; " + first.shards() + " shards x " + first.slices() + " slices, " + first.features()
        + " features, " + first.epochs() + " epoch(s)). A line parallel to the diagonal grows in proportion to the"
        + " rows.", logLog(sizes, steps, "seconds"));
  }

  /** {@code bench scale}: the driver's peak heap and the store's size against the training rows. */
  public static ChartImage scaleBytes(List<ScaleBenchmark.SizeResult> sizes) {
    Map<String, ToDoubleFunction<ScaleBenchmark.SizeResult>> series = new java.util.LinkedHashMap<>();
    series.put("driver peak heap in use", s -> s.driverPeakHeapBytes() / 1048576.0);
    series.put("driver peak heap after a collection", s -> s.driverPeakHeapAfterCollectionBytes() / 1048576.0);
    series.put("store size", s -> s.storeBytes() / 1048576.0);
    return encode("scale-bytes.png", "Driver heap and store size against rows", "bench scale: the driver JVM's peak"
        + " heap over all steps (in Spark local mode the executors' tasks run in it too) and the store's size after"
        + " verify, in MiB, against the training rows (log-log).", logLog(sizes, series, "MiB"));
  }

  private static JFreeChart logLog(List<ScaleBenchmark.SizeResult> sizes,
      Map<String, ToDoubleFunction<ScaleBenchmark.SizeResult>> lines, String unit) {
    XYSeriesCollection dataset = new XYSeriesCollection();
    lines.forEach((name, value) -> {
      XYSeries series = new XYSeries(name);
      // A log axis cannot show 0: a step too quick to time is drawn at a millisecond.
      sizes.forEach(s -> series.add(s.rows(), Math.max(1e-3, value.applyAsDouble(s))));
      dataset.addSeries(series);
    });
    JFreeChart chart = ChartFactory.createXYLineChart(null, "training rows", unit, dataset,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setDomainAxis(new LogAxis("training rows"));
    plot.setRangeAxis(new LogAxis(unit));
    plot.setRenderer(lines());
    return style(chart);
  }

  /** For each batch, when each step was committed, counted from ACKNOWLEDGED. */
  public static ChartImage forgetTimeline(List<BatchFigures> batches) {
    XYSeriesCollection dataset = new XYSeriesCollection();
    for (BatchFigures batch : batches) {
      XYSeries series = new XYSeries(batch.batchId());
      batch.secondsSinceAcknowledged().forEach((state, seconds) -> series.add(seconds.doubleValue(),
          state.ordinal()));
      dataset.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(null, "seconds since ACKNOWLEDGED", null, dataset,
        PlotOrientation.VERTICAL, batches.size() <= 12, false, false);
    XYPlot plot = chart.getXYPlot();
    String[] states = Arrays.stream(ForgetState.values()).map(ForgetState::name).toArray(String[]::new);
    plot.setRangeAxis(new SymbolAxis(null, states));
    plot.setRenderer(lines());
    return encode("forget-timeline.png", "Forget timeline", "Each batch's steps from request to completion: the"
        + " time each step was committed, in seconds after the batch was acknowledged (one line per batch).",
        style(chart));
  }

  /** Full retraining time over actual retraining time, per batch that retrained. */
  public static ChartImage speedUp(List<BatchFigures> batches) {
    DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    batches.stream().filter(BatchFigures::hasSpeedUp).forEach(b -> dataset.addValue(b.speedUp(), "speed-up",
        b.batchId()));
    JFreeChart chart = ChartFactory.createBarChart(null, null, "speed-up (x)", dataset, PlotOrientation.VERTICAL,
        false, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setSeriesPaint(0, ENSEMBLE);
    renderer.setMaximumBarWidth(0.08);
    ValueMarker fullRetraining = new ValueMarker(1.0, Color.DARK_GRAY, new BasicStroke(1f));
    fullRetraining.setLabel("full retraining (1x)");
    fullRetraining.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    fullRetraining.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
    plot.addRangeMarker(fullRetraining);
    plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    return encode("forget-speedup.png", "Speed-up against full retraining", "Per batch: the seconds that training"
        + " the affected shards from scratch took, divided by the seconds their retraining from the clean"
        + " checkpoint took.", style(chart));
  }

  private static XYLineAndShapeRenderer lines() {
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    renderer.setDefaultStroke(new BasicStroke(2f));
    renderer.setAutoPopulateSeriesStroke(false);
    return renderer;
  }

  private static JFreeChart style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getPlot().setBackgroundPaint(new Color(0xf7, 0xf7, 0xf7));
    return chart;
  }

  private static ChartImage encode(String file, String title, String caption, JFreeChart chart) {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ChartUtils.writeChartAsPNG(png, chart, WIDTH, HEIGHT);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode chart " + file + " as PNG", e);
    }
    return new ChartImage(file, title, caption, WIDTH, HEIGHT, png.toByteArray());
  }
}
