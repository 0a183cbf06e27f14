package io.lethe.jobs.train;

import io.lethe.jobs.config.LetheSettings;
import io.lethe.jobs.forget.ForgetHistory;
import io.lethe.models.DeletionPriors;
import io.lethe.models.SequenceSelection;
import io.lethe.models.SliceOrder;
import io.lethe.store.DataManifest;
import io.lethe.store.LetheStore;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;

/**
 * Decides the slice orders every shard is trained in, from {@code lethe.model.sequences} and
 * {@code lethe.model.sequence-selection}. Cyclic needs nothing else; bipartite needs each shard's per-slice deletion
 * probabilities: the sums of the data's deletion-prior column per slice when it was prepared with one, else the
 * ledger's history of deletions per slice, else uniform.
 */
final class SequencePlanner {
  private SequencePlanner() {}

  /** Shard to its orders, sequence 0 first; one sequence in the natural order when B = 1. */
  static Map<Integer, List<SliceOrder>> orders(SparkSession spark, LetheStore store, LetheSettings settings,
      DataManifest data) {
    LetheSettings.SequenceSettings sequences = settings.sequences();
    int numSlices = data.settings().numSlices();
    if (sequences.count() > numSlices) {
      throw new IllegalArgumentException("lethe.model.sequences is " + sequences.count() + " but data version "
          + data.version() + " has " + numSlices + " slices per shard; use at most " + numSlices + " sequences.");
    }
    Map<Integer, long[]> deletions = sequences.selection() == SequenceSelection.Strategy.BIPARTITE
        ? ForgetHistory.deletionsPerSlice(store, numSlices)
        : Map.of();
    Map<Integer, List<SliceOrder>> orders = new TreeMap<>();
    for (int shard = 0; shard < data.settings().numShards(); shard++) {
      long[] counts = deletions.get(shard);
      DeletionPriors priors = data.hasDeletionPriors() ? DeletionPriors.fromRowPriors(data.deletionPriorSums(shard))
          : counts == null ? DeletionPriors.uniform(numSlices)
          : DeletionPriors.fromDeletionCounts(counts);
      orders.put(shard, SequenceSelection.select(sequences.selection(), priors, sequences.count(),
          sequences.bipartiteExponent()));
    }
    return orders;
  }
}
