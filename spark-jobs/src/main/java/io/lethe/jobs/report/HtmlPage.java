package io.lethe.jobs.report;

import io.lethe.jobs.bench.CapacityBenchmark;
import io.lethe.jobs.bench.ScaleBenchmark;
import io.lethe.jobs.forget.ForgetState;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.store.GenerationManifest;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the report as one self-contained HTML page: every chart is embedded as a {@code data:} URI, so the file
 * can be mailed or archived alone. When the page has loaded, a script sets {@code data-charts-loaded} on the body to
 * the number of charts the browser decoded (checked by the tests with a headless browser).
 */
public final class HtmlPage {
  private HtmlPage() {}

  /** The page for {@code data}, with {@code charts} embedded where they belong and a note where one is missing. */
  public static String render(ReportData data, ChartSet charts) {
    StringBuilder html = new StringBuilder();
    GenerationManifest g = data.served();
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Lethe report: ")
        .append(escape(data.store())).append("</title>\n<style>\n")
        .append("body{font-family:sans-serif;margin:2em auto;max-width:960px;color:#222}")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;")
        .append("text-align:right}th{background:#eee}th:first-child,td:first-child{text-align:left}")
        .append("figure{margin:1em 0}figcaption{color:#555;font-size:90%}.none{background:#f4f4f4;padding:1em}")
        .append("\n</style>\n</head>\n<body data-charts-expected=\"").append(charts.all().size()).append("\">\n");
    html.append("<h1>Lethe report</h1>\n<p>Store <code>").append(escape(data.store())).append("</code>, made ")
        .append(escape(data.createdAt())).append(". Serving generation ").append(g.number()).append(" (")
        .append(escape(g.reason())).append(", ").append(escape(g.createdAt())).append("), data version ")
        .append(g.dataVersion()).append(", ").append(g.servedShards().size()).append(" of ").append(g.shards().size())
        .append(" shards served.</p>\n");

    html.append("<h2>Test accuracy</h2>\n");
    figure(html, charts.accuracy());
    accuracyTable(html, data.evaluation());

    html.append("<h2>Training curves</h2>\n");
    if (charts.trainingLoss() == null) {
      html.append("<p class=\"none\" id=\"no-training-metrics\">No training metrics: no generation up to ")
          .append(g.number()).append(" has per-slice metrics for all its shards (they are written by")
          .append(" <code>lethe train</code>).</p>\n");
    } else {
      figure(html, charts.trainingLoss());
      figure(html, charts.trainingAccuracy());
    }

    html.append("<h2>Forgetting</h2>\n");
    List<BatchFigures> batches = data.batches();
    if (batches.isEmpty()) {
      html.append("<p class=\"none\" id=\"no-forget-batch\">No forget batch yet: nothing has been forgotten in this")
          .append(" store, so there is no timeline and no speed-up to show.</p>\n");
    } else {
      List<BatchFigures> shown = data.shownBatches();
      html.append("<p>").append(batches.size()).append(" forget batch(es)")
          .append(shown.size() < batches.size() ? ", the newest " + shown.size() + " shown" : "").append(".</p>\n");
      figure(html, charts.forgetTimeline());
      if (charts.speedUp() == null) {
        html.append("<p class=\"none\" id=\"no-speed-up\">No speed-up yet: no batch has retrained with a known cost")
            .append(" of full retraining.</p>\n");
      } else {
        figure(html, charts.speedUp());
      }
      batchTable(html, shown);
    }
    if (charts.capacity() != null) {
      html.append("<h2>Deletion capacity</h2>\n");
      figure(html, charts.capacity());
      capacityTable(html, data.capacity());
    }
    if (charts.scaleSeconds() != null) {
      html.append("<h2>Scale</h2>\n");
      figure(html, charts.scaleSeconds());
      figure(html, charts.scaleBytes());
      scaleTable(html, data.scale());
    }
    html.append("<script>\nwindow.addEventListener('load', function () {\n")
        .append("  var loaded = Array.prototype.filter.call(document.images, function (image) {\n")
        .append("    return image.complete && image.naturalWidth > 0;\n  }).length;\n")
        .append("  document.body.dataset.chartsLoaded = String(loaded);\n});\n</script>\n</body>\n</html>\n");
    return html.toString();
  }

  private static void figure(StringBuilder html, ChartImage chart) {
    html.append("<figure>\n<img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(chart.png()))
        .append("\" width=\"").append(chart.width()).append("\" height=\"").append(chart.height())
        .append("\" alt=\"").append(escape(chart.title())).append("\">\n<figcaption><b>").append(escape(chart.title()))
        .append(".</b> ").append(escape(chart.caption())).append(" (<a href=\"").append(escape(chart.file()))
        .append("\">").append(escape(chart.file())).append("</a>)</figcaption>\n</figure>\n");
  }

  private static void accuracyTable(StringBuilder html, Evaluation e) {
    html.append("<table id=\"accuracy\">\n<tr><th>model</th><th>served slice</th><th>training rows</th>")
        .append("<th>test accuracy</th></tr>\n");
    for (Map.Entry<String, Double> ensemble : e.ensembleAccuracy().entrySet()) {
      html.append("<tr><td>ensemble, ").append(escape(ensemble.getKey())).append("</td><td></td><td></td><td>")
          .append(format("%.4f", ensemble.getValue())).append("</td></tr>\n");
    }
    for (Evaluation.ShardAccuracy s : e.shards()) {
      html.append("<tr><td>shard ").append(s.shard()).append("</td><td>").append(s.servedSlice()).append("</td><td>")
          .append(s.trainRows()).append("</td><td>").append(format("%.4f", s.accuracy())).append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  private static void batchTable(StringBuilder html, List<BatchFigures> batches) {
    html.append("<table id=\"batches\">\n<tr><th>batch</th><th>requests</th><th>state</th>")
        .append("<th>serving clean after</th><th>completed after</th><th>retraining</th>")
        .append("<th>full retraining</th><th>speed-up</th></tr>\n");
    for (BatchFigures b : batches) {
      html.append("<tr><td>").append(escape(b.batchId())).append("</td><td>").append(b.requests()).append("</td><td>")
          .append(b.lastState()).append("</td><td>").append(after(b, ForgetState.SERVING_CLEAN)).append("</td><td>")
          .append(after(b, ForgetState.COMPLETED)).append("</td><td>")
          .append(b.retrainSeconds() > 0 ? format("%.1f s", b.retrainSeconds()) : "").append("</td><td>")
          .append(Double.isFinite(b.fullRetrainEstimateSeconds())
              ? format("%.1f s", b.fullRetrainEstimateSeconds()) : "")
          .append("</td><td>").append(b.hasSpeedUp() ? format("%.1fx", b.speedUp()) : "").append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  private static void capacityTable(StringBuilder html, CapacityBenchmark.Report report) {
    html.append("<table id=\"capacity\">\n<tr><th>configuration</th><th>orders per shard</th><th>selection</th>")
        .append("<th>deletion capability</th><th>accuracy at start</th><th>after 16 deletions</th>")
        .append("<th>training</th><th>training CPU</th><th>checkpoints</th>")
        .append("<th>each aggregation: capability, after 16</th></tr>\n");
    for (CapacityBenchmark.ConfigurationResult c : report.configurations()) {
      html.append("<tr><td>").append(escape(c.name())).append("</td><td>").append(c.sequences()).append("</td><td>")
          .append(escape(c.selection())).append("</td><td>").append(format("%.1f", c.deletionCapability()))
          .append("</td><td>").append(format("%.4f", c.initialAccuracy())).append("</td><td>")
          .append(format("%.4f", c.accuracyAfter16())).append("</td><td>").append(format("%.1f s", c.trainingSeconds()))
          .append("</td><td>").append(c.trainingCpuSeconds() > 0 ? format("%.1f s", c.trainingCpuSeconds()) : "")
          .append("</td><td>").append(format("%.1f MB", c.checkpointBytes() / 1e6)).append("</td><td>");
      List<CapacityBenchmark.AggregationResult> aggregations =
          c.aggregations() == null ? List.of() : c.aggregations();
      for (int i = 0; i < aggregations.size(); i++) {
        CapacityBenchmark.AggregationResult a = aggregations.get(i);
        html.append(i == 0 ? "" : "; ").append(escape(a.aggregation())).append(' ')
            .append(format("%.1f", a.deletionCapability())).append(", ").append(format("%.4f", a.accuracyAfter16()));
      }
      html.append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  private static void scaleTable(StringBuilder html, List<ScaleBenchmark.SizeResult> sizes) {
    html.append("<table id=\"scale\">\n<tr><th>rows</th><th>shards x slices</th><th>prepare</th><th>train</th>")
        .append("<th>forget 1</th><th>forget ").append(ScaleBenchmark.THOUSAND).append("</th><th>verify</th>")
        .append("<th>driver peak heap</th><th>after a collection</th><th>store</th></tr>\n");
    for (ScaleBenchmark.SizeResult s : sizes) {
      html.append("<tr><td>").append(s.rows()).append("</td><td>").append(s.shards()).append(" x ").append(s.slices())
          .append("</td><td>").append(format("%.1f s", s.prepareSeconds())).append("</td><td>")
          .append(format("%.1f s", s.trainSeconds())).append("</td><td>")
          .append(format("%.1f s", s.forgetOneRecordSeconds())).append("</td><td>")
          .append(format("%.1f s", s.forgetThousandRecordsSeconds())).append("</td><td>")
          .append(format("%.1f s", s.verifySeconds())).append("</td><td>")
          .append(format("%.0f MiB", s.driverPeakHeapBytes() / 1048576.0)).append("</td><td>")
          .append(format("%.0f MiB", s.driverPeakHeapAfterCollectionBytes() / 1048576.0)).append("</td><td>")
          .append(format("%.0f MiB", s.storeBytes() / 1048576.0)).append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  private static String after(BatchFigures batch, ForgetState state) {
    Double seconds = batch.secondsSinceAcknowledged().get(state);
    return seconds == null ? "" : format("%.1f s", seconds);
  }

  private static String format(String pattern, double value) {
    return String.format(Locale.ROOT, pattern, value);
  }

  static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> escaped.append("&amp;");
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }
}
