package io.lethe.jobs.forget;

import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads every forget batch's journal into timelines, for {@code lethe report} and {@code lethe requests}.
 * Journal detail keys it relies on: {@code requests} (ACKNOWLEDGED), {@code retrainSeconds} (shard to seconds)
 * and {@code fullRetrainEstimateSeconds} (RETRAINED).
 */
public final class ForgetHistory {
  public static final String REQUESTS = "requests";
  public static final String RETRAIN_SECONDS = "retrainSeconds";
  public static final String FULL_RETRAIN_ESTIMATE_SECONDS = "fullRetrainEstimateSeconds";

  private ForgetHistory() {}

  public static List<ForgetTimeline> load(LetheStore store) {
    List<ForgetTimeline> timelines = new ArrayList<>();
    for (String batchId : ForgetJournal.batchIds(store)) {
      List<JournalEntry> steps = new ForgetJournal(store, batchId).entries();
      long requests = 0;
      Map<Integer, Double> retrain = new TreeMap<>();
      double estimate = Double.NaN;
      for (JournalEntry step : steps) {
        if (step.details().get(REQUESTS) instanceof Number n) {
          requests = n.longValue();
        }
        if (step.details().get(RETRAIN_SECONDS) instanceof Map<?, ?> seconds) {
          seconds.forEach((shard, s) -> retrain.put(Integer.valueOf(shard.toString()), ((Number) s).doubleValue()));
        }
        if (step.details().get(FULL_RETRAIN_ESTIMATE_SECONDS) instanceof Number n) {
          estimate = n.doubleValue();
        }
      }
      timelines.add(new ForgetTimeline(batchId, requests, steps, retrain, estimate));
    }
    return timelines;
  }
}
