package io.lethe.jobs.predict;

import io.lethe.store.GenerationManifest;
import io.lethe.store.ShardLineage;
import java.io.Serializable;
import java.util.List;

/**
 * The models of one generation as scoring tasks need them: served shards, their checkpoints and their weights.
 *
 * @param shards shard number of each served model, in order
 * @param checkpoints checkpoint sha256 of each served model
 * @param weights training rows of each served model (the "weighted" aggregation's weights)
 */
public record ServedModels(long generation, List<Integer> shards, List<String> checkpoints, double[] weights,
    int numFeatures, int numClasses) implements Serializable {
  private static final long serialVersionUID = 1L;

  public static ServedModels of(GenerationManifest generation, int numFeatures, int numClasses) {
    List<ShardLineage> served = generation.servedShards();
    if (served.isEmpty()) {
      throw new IllegalStateException("Generation " + generation.number() + " serves no shard: every shard is left"
          + " out until it is retrained. Run `lethe train` (or let the pending forget batch finish) first.");
    }
    return new ServedModels(generation.number(),
        served.stream().map(ShardLineage::shard).toList(),
        served.stream().map(ShardLineage::servedCheckpoint).toList(),
        served.stream().mapToDouble(ShardLineage::trainRows).toArray(),
        numFeatures, numClasses);
  }

  public int size() {
    return checkpoints.size();
  }
}
