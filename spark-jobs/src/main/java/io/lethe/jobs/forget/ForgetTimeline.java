package io.lethe.jobs.forget;

import java.util.List;
import java.util.Map;

/**
 * The history of one forget batch as reports draw it: when each step was committed, and what retraining cost
 * against retraining the same shards from scratch.
 *
 * @param steps committed steps, oldest first
 * @param retrainSeconds seconds of retraining per affected shard (empty until RETRAINED)
 * @param fullRetrainEstimateSeconds seconds that training the affected shards from scratch took when they were
 *     last trained in full (the comparison the speed-up is measured against), or NaN if unknown
 */
public record ForgetTimeline(String batchId, long requests, List<JournalEntry> steps,
    Map<Integer, Double> retrainSeconds, double fullRetrainEstimateSeconds) {}
