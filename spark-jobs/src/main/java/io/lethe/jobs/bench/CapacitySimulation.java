package io.lethe.jobs.bench;

import io.lethe.models.SliceOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Replays a stream of deletions against one trained configuration without retraining: after each deletion every
 * shard serves the (order, stage) with the longest prefix free of its deleted slices ({@link ServingRule}), or is
 * left out, and the served ensemble (mean softmax) is scored on the test split from precomputed per-checkpoint
 * probabilities. Pure: no Spark, no models.
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

  /** Applies {@code stream} in order and scores the served ensemble after every deletion. */
  static Curve replay(List<ShardModels> shards, int[] testLabels, List<Deletion> stream, ServingRule rule) {
    int rows = testLabels.length;
    int classes = classesOf(shards);
    double[][] sum = new double[rows][classes];
    List<Set<Integer>> deleted = new ArrayList<>();
    List<Optional<ServingRule.Prefix>> served = new ArrayList<>();
    int shardsServed = 0;
    long rowsServed = 0;
    for (ShardModels shard : shards) {
      deleted.add(new HashSet<>());
      Optional<ServingRule.Prefix> prefix = rule.longestCleanPrefix(shard.orders(), Set.of());
      served.add(prefix);
      if (prefix.isPresent()) {
        add(sum, probabilities(shard, prefix.get()), 1);
        shardsServed++;
        rowsServed += shard.rowsOf(shard.orders().get(prefix.get().sequence()), prefix.get().stage());
      }
    }
    double[] accuracy = new double[stream.size() + 1];
    int[] servedCounts = new int[stream.size() + 1];
    long[] servedRows = new long[stream.size() + 1];
    accuracy[0] = accuracy(sum, testLabels, shardsServed);
    servedCounts[0] = shardsServed;
    servedRows[0] = rowsServed;
    for (int k = 0; k < stream.size(); k++) {
      Set<Integer> touched = new HashSet<>();
      for (int[] shardSlice : stream.get(k).shardSlices()) {
        if (deleted.get(shardSlice[0]).add(shardSlice[1])) {
          touched.add(shardSlice[0]);
        }
      }
      for (int s : touched) {
        ShardModels shard = shards.get(s);
        Optional<ServingRule.Prefix> before = served.get(s);
        Optional<ServingRule.Prefix> after = rule.longestCleanPrefix(shard.orders(), deleted.get(s));
        if (before.equals(after)) {
          continue;
        }
        if (before.isPresent()) {
          add(sum, probabilities(shard, before.get()), -1);
          shardsServed--;
          rowsServed -= shard.rowsOf(shard.orders().get(before.get().sequence()), before.get().stage());
        }
        if (after.isPresent()) {
          add(sum, probabilities(shard, after.get()), 1);
          shardsServed++;
          rowsServed += shard.rowsOf(shard.orders().get(after.get().sequence()), after.get().stage());
        }
        served.set(s, after);
      }
      accuracy[k + 1] = accuracy(sum, testLabels, shardsServed);
      servedCounts[k + 1] = shardsServed;
      servedRows[k + 1] = rowsServed;
    }
    return new Curve(accuracy, servedCounts, servedRows);
  }

  private static float[][] probabilities(ShardModels shard, ServingRule.Prefix prefix) {
    return shard.stageProbability()[prefix.sequence()][prefix.stage() - 1];
  }

  private static int classesOf(List<ShardModels> shards) {
    for (ShardModels shard : shards) {
      float[][][][] p = shard.stageProbability();
      if (p.length > 0 && p[0].length > 0 && p[0][0].length > 0) {
        return p[0][0][0].length;
      }
    }
    return 0;
  }

  private static void add(double[][] sum, float[][] probabilities, int sign) {
    for (int r = 0; r < sum.length; r++) {
      for (int c = 0; c < sum[r].length; c++) {
        sum[r][c] += sign * probabilities[r][c];
      }
    }
  }

  /**
   * Accuracy of the mean softmax of the served shards (argmax of the sum, the same prediction; ties to the lower
   * class); 0 when none is served.
   */
  private static double accuracy(double[][] sum, int[] labels, int shardsServed) {
    if (shardsServed == 0 || labels.length == 0) {
      return 0;
    }
    long correct = 0;
    for (int r = 0; r < labels.length; r++) {
      int best = 0;
      for (int c = 1; c < sum[r].length; c++) {
        if (sum[r][c] > sum[r][best] + 1e-9) {
          best = c;
        }
      }
      if (best == labels[r]) {
        correct++;
      }
    }
    return (double) correct / labels.length;
  }
}
