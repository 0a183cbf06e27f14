package io.lethe.jobs.bench;

import io.lethe.models.Aggregation;
import io.lethe.models.SliceOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Replays a stream of deletions against one trained configuration without retraining: after each deletion every
 * shard serves the (order, stage) with the longest prefix free of its deleted slices ({@link ServingRule}), or is
 * left out, and the served ensemble, combined by the product's {@link Aggregation}, is scored on the test split from
 * precomputed per-checkpoint probabilities. Pure: no Spark, no models.
 */
final class CapacitySimulation {

  /** Accuracy drop, in absolute terms, at which a configuration's deletion capability is used up. */
  static final double CAPABILITY_DROP = 0.02;

  /**
   * One shard of a trained configuration.
   *
   * @param orders           the orders it was trained in
   * @param stageProbability element [order][stage-1]: test-split probabilities (rows x classes) of that stage's
   *                         checkpoint; orders sharing a prefix share the arrays
   * @param sliceRows        rows of each slice at training time
   */
  record ShardModels(List<SliceOrder> orders, float[][][][] stageProbability, long[] sliceRows) {
    long rowsOf(SliceOrder order, int stage) {
      long rows = 0;
      for (int slice : order.prefix(stage)) {
        rows += sliceRows[slice];
      }
      return rows;
    }
  }

  /** One deletion request: the (shard, slice) of every row it deletes. */
  record Deletion(List<int[]> shardSlices) {
    static Deletion of(int shard, int slice) {
      return new Deletion(List.of(new int[] {shard, slice}));
    }
  }

  /**
   * The served ensemble after 0, 1, 2, ... deletions.
   *
   * @param accuracy    test accuracy; 0 once every shard is left out
   * @param shardsServed shards still served
   * @param rowsServed  training rows the served checkpoints were trained on
   */
  record Curve(double[] accuracy, int[] shardsServed, long[] rowsServed) {
    /** Deletions until the accuracy is {@link #CAPABILITY_DROP} below its start; the stream length if never. */
    int capability() {
      for (int k = 1; k < accuracy.length; k++) {
        if (accuracy[k] <= accuracy[0] - CAPABILITY_DROP + 1e-12) {
          return k;
        }
      }
      return accuracy.length - 1;
    }

    /** Whether the stream ended before the accuracy dropped that far, so {@link #capability} is a lower bound. */
    boolean censored() {
      for (int k = 1; k < accuracy.length; k++) {
        if (accuracy[k] <= accuracy[0] - CAPABILITY_DROP + 1e-12) {
          return false;
        }
      }
      return true;
    }
  }

  private CapacitySimulation() {}

  /**
   * Applies {@code stream} in order and scores the served ensemble after every deletion, combining the served
   * checkpoints' probabilities with the product's {@code aggregation} (the {@code weighted} one weights each served
   * checkpoint by the training rows it saw, as {@code lethe predict} does).
   */
  static Curve replay(List<ShardModels> shards, int[] testLabels, List<Deletion> stream, ServingRule rule,
      Aggregation aggregation) {
    List<Set<Integer>> deleted = new ArrayList<>();
    List<Optional<ServingRule.Prefix>> served = new ArrayList<>();
    for (ShardModels shard : shards) {
      deleted.add(new HashSet<>());
      served.add(rule.longestCleanPrefix(shard.orders(), Set.of()));
    }
    double[] accuracy = new double[stream.size() + 1];
    int[] servedCounts = new int[stream.size() + 1];
    long[] servedRows = new long[stream.size() + 1];
    Ensemble ensemble = Ensemble.of(shards, served, testLabels, aggregation);
    accuracy[0] = ensemble.accuracy();
    servedCounts[0] = ensemble.shards();
    servedRows[0] = ensemble.rows();
    for (int k = 0; k < stream.size(); k++) {
      boolean changed = false;
      for (int[] shardSlice : stream.get(k).shardSlices()) {
        int s = shardSlice[0];
        if (deleted.get(s).add(shardSlice[1])) {
          Optional<ServingRule.Prefix> after = rule.longestCleanPrefix(shards.get(s).orders(), deleted.get(s));
          changed |= !after.equals(served.set(s, after));
        }
      }
      if (changed) {
        ensemble = Ensemble.of(shards, served, testLabels, aggregation);
      }
      accuracy[k + 1] = ensemble.accuracy();
      servedCounts[k + 1] = ensemble.shards();
      servedRows[k + 1] = ensemble.rows();
    }
    return new Curve(accuracy, servedCounts, servedRows);
  }

  /** The served ensemble's figures: shards and training rows served, and its test accuracy (0 with none). */
  private record Ensemble(int shards, long rows, double accuracy) {
    static Ensemble of(List<ShardModels> shards, List<Optional<ServingRule.Prefix>> served, int[] labels,
        Aggregation aggregation) {
      List<float[][]> probabilities = new ArrayList<>();
      List<Long> weights = new ArrayList<>();
      for (int s = 0; s < shards.size(); s++) {
        Optional<ServingRule.Prefix> prefix = served.get(s);
        if (prefix.isPresent()) {
          ShardModels shard = shards.get(s);
          probabilities.add(shard.stageProbability()[prefix.get().sequence()][prefix.get().stage() - 1]);
          weights.add(shard.rowsOf(shard.orders().get(prefix.get().sequence()), prefix.get().stage()));
        }
      }
      long rows = weights.stream().mapToLong(Long::longValue).sum();
      if (probabilities.isEmpty() || labels.length == 0) {
        return new Ensemble(probabilities.size(), rows, 0);
      }
      int[] predictions = aggregation.aggregate(probabilities,
          weights.stream().mapToDouble(Long::doubleValue).toArray()).predictions();
      long correct = 0;
      for (int r = 0; r < labels.length; r++) {
        if (predictions[r] == labels[r]) {
          correct++;
        }
      }
      return new Ensemble(probabilities.size(), rows, (double) correct / labels.length);
    }
  }
}
