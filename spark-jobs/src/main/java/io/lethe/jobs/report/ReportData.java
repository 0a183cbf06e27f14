package io.lethe.jobs.report;

import io.lethe.jobs.bench.CapacityBenchmark;
import io.lethe.jobs.bench.ScaleBenchmark;
import io.lethe.jobs.predict.Evaluation;
import io.lethe.store.GenerationManifest;
import java.util.List;

/**
 * Everything the report shows, gathered from one store.
 *
 * @param store the store's URI
 * @param createdAt when the report was made (ISO-8601 UTC)
 * @param served the generation served when the report was made
 * @param evaluation test accuracy of the served generation
 * @param curvesGeneration the generation whose full training the curves show, or null when no generation up to the
 *     served one has per-slice metrics for all its shards
 * @param curves one point per shard and slice of that training
 * @param batches every forget batch, oldest first
 * @param capacity a {@code bench capacity} result to draw, or null
 * @param scale the sizes of a {@code bench scale} result to draw; empty for none
 */
public record ReportData(String store, String createdAt, GenerationManifest served, Evaluation evaluation,
    Long curvesGeneration, List<TrainingPoint> curves, List<BatchFigures> batches,
    CapacityBenchmark.Report capacity, List<ScaleBenchmark.SizeResult> scale) {
  /** Forget batches drawn and listed: the newest ones (a store forgetting hourly has thousands). */
  public static final int SHOWN_BATCHES = 20;

  public ReportData {
    curves = List.copyOf(curves);
    batches = List.copyOf(batches);
    scale = scale == null ? List.of() : List.copyOf(scale);
  }

  /** The data of a report without a {@code bench scale} result. */
  public ReportData(String store, String createdAt, GenerationManifest served, Evaluation evaluation,
      Long curvesGeneration, List<TrainingPoint> curves, List<BatchFigures> batches,
      CapacityBenchmark.Report capacity) {
    this(store, createdAt, served, evaluation, curvesGeneration, curves, batches, capacity, List.of());
  }

  /** The newest {@link #SHOWN_BATCHES} forget batches, oldest first. */
  public List<BatchFigures> shownBatches() {
    return batches.subList(Math.max(0, batches.size() - SHOWN_BATCHES), batches.size());
  }
}
