package io.lethe.jobs.forget;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.ShardLineage;
import java.util.Set;
import java.util.TreeSet;

/**
 * When deferred retraining ({@code lethe.forget.retrain = deferred}) stops waiting: a shard whose served prefix is
 * shorter than {@code lethe.forget.min-served-slices} is retrained, and when the whole ensemble serves less than
 * {@code lethe.forget.min-served-row-fraction} of the training rows, every shard with deactivated slices is.
 */
final class RetrainPolicy {
  private RetrainPolicy() {}

  /** The shards of {@code generation} to retrain now on {@code data}; empty when all may keep waiting. */
  static Set<Integer> shardsToRetrain(GenerationManifest generation, DataManifest data,
      LetheSettings.ForgetSettings forget) {
    Set<Integer> deactivated = deactivatedShards(generation);
    long served = generation.servedTrainRows();
    if (served < forget.minServedRowFraction() * data.trainRows()) {
      return deactivated;
    }
    Set<Integer> shards = new TreeSet<>();
    for (ShardLineage lineage : generation.shards()) {
      if (deactivated.contains(lineage.shard()) && lineage.servedStage() < forget.minServedSlices()) {
        shards.add(lineage.shard());
      }
    }
    return shards;
  }

  /** Shards that lost stages to deactivation and have rows to be retrained on. */
  static Set<Integer> deactivatedShards(GenerationManifest generation) {
    Set<Integer> shards = new TreeSet<>();
    for (ShardLineage lineage : generation.shards()) {
      if (!lineage.sequences().isEmpty() && !lineage.servesFullLineage(generation.numSlices())) {
        shards.add(lineage.shard());
      }
    }
    return shards;
  }
}
