package io.lethe.jobs.predict;

import java.util.List;
import java.util.Map;

/**
 * Test accuracy of a generation: of the ensemble under each aggregation strategy and of each served shard alone,
 * and optionally of a monolithic model trained on all the data for comparison.
 *
 * @param ensembleAccuracy accuracy by aggregation config name (mean-softmax, majority-vote, weighted)
 * @param baseline the monolithic baseline, or null when not requested
 */
public record Evaluation(long generation, int dataVersion, long testRows, Map<String, Double> ensembleAccuracy,
    List<ShardAccuracy> shards, Baseline baseline) {

  /** One served shard model's accuracy on the test rows. */
  public record ShardAccuracy(int shard, int servedSlice, long trainRows, double accuracy) {}

  /** One model trained on all training rows with the same spec and epochs, no shards, no slices. */
  public record Baseline(long trainRows, int epochs, double accuracy, double trainSeconds) {}
}
