package io.lethe.jobs.report;

import io.lethe.jobs.forget.ForgetState;
import io.lethe.jobs.forget.ForgetTimeline;
import io.lethe.jobs.forget.JournalEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One forget batch as the report draws it.
 *
 * @param secondsSinceAcknowledged for each committed step, oldest first, the seconds from ACKNOWLEDGED to its
 *     commit
 * @param retrainSeconds seconds spent retraining all affected shards (0 until RETRAINED)
 * @param fullRetrainEstimateSeconds seconds training those shards from scratch took, or NaN if unknown
 */
public record BatchFigures(String batchId, long requests, ForgetState lastState,
    Map<ForgetState, Double> secondsSinceAcknowledged, double retrainSeconds, double fullRetrainEstimateSeconds) {

  /**
   * The figures of a batch whose journal starts with ACKNOWLEDGED.
   *
   * @throws IllegalArgumentException if the journal has no steps or does not start with ACKNOWLEDGED
   */
  public static BatchFigures of(ForgetTimeline timeline) {
    if (timeline.steps().isEmpty() || timeline.steps().get(0).state() != ForgetState.ACKNOWLEDGED) {
      throw new IllegalArgumentException("Forget batch " + timeline.batchId() + " has no ACKNOWLEDGED step in its"
          + " journal (steps: " + timeline.steps().stream().map(JournalEntry::state).toList() + "); its journal"
          + " is damaged, see `lethe requests` for its state");
    }
    Instant acknowledged = Instant.parse(timeline.steps().get(0).at());
    Map<ForgetState, Double> seconds = new LinkedHashMap<>();
    for (JournalEntry step : timeline.steps()) {
      seconds.put(step.state(), Duration.between(acknowledged, Instant.parse(step.at())).toMillis() / 1000.0);
    }
    double retrain = timeline.retrainSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
    ForgetState last = timeline.steps().get(timeline.steps().size() - 1).state();
    return new BatchFigures(timeline.batchId(), timeline.requests(), last, seconds, retrain,
        timeline.fullRetrainEstimateSeconds());
  }

  /** Whether the batch retrained and the cost of full retraining is known, so a speed-up can be stated. */
  public boolean hasSpeedUp() {
    return retrainSeconds > 0 && fullRetrainEstimateSeconds > 0 && Double.isFinite(fullRetrainEstimateSeconds);
  }

  /** How many times faster the batch's retraining was than retraining the affected shards from scratch. */
  public double speedUp() {
    if (!hasSpeedUp()) {
      throw new IllegalStateException("Forget batch " + batchId + " has no speed-up: retrain seconds "
          + retrainSeconds + ", full retrain estimate " + fullRetrainEstimateSeconds);
    }
    return fullRetrainEstimateSeconds / retrainSeconds;
  }
}
