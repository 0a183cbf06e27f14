package io.lethe.jobs.forget;

import io.lethe.store.LetheStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads every forget batch's journal into timelines, for {@code lethe report} and {@code lethe requests}, and the
 * history of deletions per slice that deletion priors are estimated from.
 */
public final class ForgetHistory {
  private ForgetHistory() {}

  public static List<ForgetTimeline> load(LetheStore store) {
    List<ForgetTimeline> timelines = new ArrayList<>();
    for (String batchId : ForgetJournal.batchIds(store)) {
      ForgetJournal journal = new ForgetJournal(store, batchId);
      List<JournalEntry> steps = journal.entries();
      long requests = journal.find(StepResult.Acknowledged.class).map(StepResult.Acknowledged::requests).orElse(0L);
      Optional<StepResult.Retrained> retrained = journal.find(StepResult.Retrained.class);
      Map<Integer, Double> retrain = new TreeMap<>(retrained.map(StepResult.Retrained::retrainSeconds)
          .orElse(Map.of()));
      double estimate = retrained.map(StepResult.Retrained::fullRetrainEstimateSeconds).orElse(Double.NaN);
      timelines.add(new ForgetTimeline(batchId, requests, steps, retrain, estimate));
    }
    return timelines;
  }

  /**
   * Training rows deleted so far per shard and slice (shard to counts indexed by slice), from every routed batch:
   * the ledger's history that S3T's bipartite selection turns into deletion priors. A journal of format 1 recorded
   * only each shard's earliest affected slice, which counts once.
   */
  public static Map<Integer, long[]> deletionsPerSlice(LetheStore store, int numSlices) {
    Map<Integer, long[]> counts = new TreeMap<>();
    for (String batchId : ForgetJournal.batchIds(store)) {
      new ForgetJournal(store, batchId).find(StepResult.Routed.class).ifPresent(routed -> {
        if (routed.deletedRows() != null) {
          routed.deletedRows().forEach((shard, slices) -> slices.forEach((slice, rows) -> {
            if (slice < numSlices) {
              counts.computeIfAbsent(shard, s -> new long[numSlices])[slice] += rows;
            }
          }));
        } else {
          routed.affectedSlices().forEach((shard, slices) -> slices.stream().filter(slice -> slice < numSlices)
              .forEach(slice -> counts.computeIfAbsent(shard, s -> new long[numSlices])[slice]++));
        }
      });
    }
    return counts;
  }
}
