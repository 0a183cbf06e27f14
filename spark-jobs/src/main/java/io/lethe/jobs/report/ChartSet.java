package io.lethe.jobs.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The charts of one report. Only the accuracy chart is always there; the others are null when there is nothing to
 * draw (no training metrics, no forget batch, no batch that retrained), and the page says so instead. The capacity
 * chart is there when the report was given a {@code bench capacity} result, the two scale charts when it was given a
 * {@code bench scale} result.
 */
public record ChartSet(ChartImage accuracy, ChartImage trainingLoss, ChartImage trainingAccuracy,
    ChartImage forgetTimeline, ChartImage speedUp, ChartImage capacity, ChartImage scaleSeconds,
    ChartImage scaleBytes) {

  public ChartSet {
    Objects.requireNonNull(accuracy, "accuracy");
  }

  /** The charts of a report without a {@code bench scale} result. */
  public ChartSet(ChartImage accuracy, ChartImage trainingLoss, ChartImage trainingAccuracy,
      ChartImage forgetTimeline, ChartImage speedUp, ChartImage capacity) {
    this(accuracy, trainingLoss, trainingAccuracy, forgetTimeline, speedUp, capacity, null, null);
  }

  /** The charts present, in page order. */
  public List<ChartImage> all() {
    List<ChartImage> all = new ArrayList<>();
    for (ChartImage chart : new ChartImage[] {accuracy, trainingLoss, trainingAccuracy, forgetTimeline, speedUp,
        capacity, scaleSeconds, scaleBytes}) {
      if (chart != null) {
        all.add(chart);
      }
    }
    return all;
  }
}
