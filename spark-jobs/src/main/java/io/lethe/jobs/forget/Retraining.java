package io.lethe.jobs.forget;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.train.ShardTrainResult;
import io.lethe.jobs.train.TrainJob;
import io.lethe.models.ModelSpec;
import io.lethe.models.Provenance;
import io.lethe.models.SliceOrder;
import io.lethe.store.DataManifest;
import io.lethe.store.GenerationManifest;
import io.lethe.store.LetheStore;
import io.lethe.store.ShardLineage;
import io.lethe.store.StoreException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import org.apache.spark.sql.SparkSession;

/**
 * Retrains shards whose sequences were cut by deactivation: every cut sequence continues from its last kept stage
 * (from scratch when none is left) on the current data, in its own order, so the result equals training that order
 * from scratch on the remaining rows. Shared by a forget batch's RETRAINED step and {@code lethe retrain}.
 */
final class Retraining {
  private final SparkSession spark;
  private final LetheStore store;
  private final LetheSettings settings;

  Retraining(SparkSession spark, LetheStore store, LetheSettings settings) {
    this.spark = spark;
    this.store = store;
    this.settings = settings;
  }

  /**
   * What was trained.
   *
   * @param seconds shard to the task seconds of all its sequences
   * @param appended shard to sequence to the checkpoints of the stages trained (appended to its kept chain)
   */
  record Outcome(Map<Integer, Double> seconds, Map<Integer, Map<Integer, List<String>>> appended) {}

  /** Trains the cut sequences of {@code shards} of {@code generation} on {@code data}; the caller holds the lock. */
  Outcome run(GenerationManifest generation, DataManifest data, Set<Integer> shards) {
    if (generation.nativeThreads() != settings.training().nativeThreads()) {
      throw new StoreException("The served models were trained with " + generation.nativeThreads() + " native"
          + " thread(s) but lethe.training.native-threads is " + settings.training().nativeThreads() + "; the"
          + " retrained shards would not match them bit for bit. Set it to " + generation.nativeThreads() + ".");
    }
    ModelSpec spec = ModelSpec.fromJson(generation.modelSpecJson());
    List<TrainJob.ShardPlan> plans = new ArrayList<>();
    for (int shard : shards) {
      List<ShardLineage.Sequence> sequences = generation.shard(shard).orElseThrow().sequences();
      for (int i = 0; i < sequences.size(); i++) {
        ShardLineage.Sequence sequence = sequences.get(i);
        if (!sequence.isComplete()) {
          plans.add(TrainJob.ShardPlan.resume(shard, i, new SliceOrder(sequence.slices()), sequence.checkpoints()));
        }
      }
    }
    Map<TrainJob.ShardPlan.Key, ShardTrainResult> results = TrainJob.trainShards(spark, store, settings, data,
        spec, plans);
    Map<Integer, Double> seconds = new TreeMap<>();
    Map<Integer, Map<Integer, List<String>>> appended = new TreeMap<>();
    results.forEach((key, result) -> {
      seconds.merge(key.shard(), result.seconds(), Double::sum);
      appended.computeIfAbsent(key.shard(), s -> new TreeMap<>()).put(key.sequence(), result.provenance().stream()
          .sorted(Comparator.comparingInt(Provenance::stage)).map(Provenance::zipSha256).toList());
    });
    return new Outcome(seconds, appended);
  }

  /**
   * Publishes the generation after {@code base} in which the retrained stages are appended to their sequences and
   * each retrained shard serves its longest prefix again.
   */
  static GenerationManifest publish(LetheStore store, GenerationManifest base, DataManifest data,
      Map<Integer, Map<Integer, List<String>>> appended, String reason, String key, ToLongFunction<String> rowsOf) {
    GenerationManifest.Builder next = GenerationManifest.buildFrom(base)
        .number(store.latestGeneration().getAsLong() + 1)
        .createdAt(store.clock().instant().toString())
        .reason(reason)
        .key(key)
        .dataVersion(data.version());
    appended.forEach((shard, sequences) -> next.shard(base.shard(shard).orElseThrow().extend(sequences, rowsOf)));
    GenerationManifest generation = next.build();
    store.commitGeneration(generation);
    return generation;
  }
}
